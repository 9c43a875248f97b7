"""The `evote` command for officials and auditors (click)."""
