META
key;value
description;Budget participatif synthétique (données de test)
country;Belgium
unit;Testville
instance;2025
num_projects;5
num_votes;20
budget;30000.00
vote_type;cumulative
rule;greedy
date_begin;10.02.2025
date_end;24.02.2025
max_points;6
max_sum_points;10
language;fr
currency;EUR
experimental;1
comment;"#1: Synthetic data for evote's tests (tests/data/pabulib/generate.py); selected is pabutools' greedy by votes or points."
PROJECTS
project_id;cost;votes;score;name;selected
P1;12500.50;14;31;Jardin partagé;1
P2;8000.25;9;13;Boîtes à livres;0
P3;20000;14;27;Scène d'été;0
P4;5000.75;16;32;Repair café;1
P5;9999.99;12;15;Fresque murale;1
VOTES
voter_id;vote;points
1;P1,P3,P4,P5;4,2,1,1
2;P4,P1;2,1
3;P1,P2,P4,P3;2,2,2,1
4;P4,P1,P2;2,1,1
5;P2,P3,P5;1,1,1
6;P1,P4,P2,P3,P5;2,2,1,1,1
7;P4;1
8;P4,P1,P3,P5;4,2,2,1
9;P1,P3,P5;2,1,1
10;P3,P5,P1,P4;4,2,1,1
11;P4,P5;2,1
12;P3,P4,P1,P2,P5;3,3,2,1,1
13;P2,P1,P3,P5;3,1,1,1
14;P2;1
15;P5,P2,P4,P3;3,2,2,1
16;P3,P4;3,2
17;P1,P3,P4,P5;4,3,2,1
18;P1,P2,P3,P4;1,1,1,1
19;P1,P4;4,3
20;P1,P3,P4,P5;4,3,2,1
