"""The participation platform's domain: processes in phases, residents' accounts,
ideas, reactions, supports, initiatives, screening, moderation, the vote made from a
shortlist, follow-up, demographics and text analysis.

Plain functions over a SQLAlchemy session with an explicit clock; no Flask and no
ballot box (docs/architecture.md). The web UI (`web/`) and the command line (`cli/`)
wire it to identity (verifying residents) and to the election flow (the vote).
"""
