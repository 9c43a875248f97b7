META
key;value
description;Synthetic ranked participatory budget (test data)
country;Belgium
unit;Testville
instance;2023
num_projects;6
num_votes;24
budget;60000
vote_type;ordinal
rule;greedy
date_begin;02.10.2023
date_end;16.10.2023
max_length;3
currency;EUR
experimental;1
comment;"#1: Synthetic data for evote's tests (tests/data/pabulib/generate.py); selected is pabutools' greedy by votes or points."
PROJECTS
project_id;cost;votes;score;name;selected
1;40000;11;22;Renovated sports hall;0
2;25000;19;34;Skate park;1
3;30000;14;32;Library reading garden;0
4;15000;10;18;Safe crossings near schools;1
5;10000;1;1;Community fridge;0
6;20000;17;37;Outdoor fitness area;1
VOTES
voter_id;vote;age;sex
1;3,1,2;65;M
2;1,6,3;43;M
3;6,2,1;40;M
4;6,4,2;27;M
5;6,4,3;52;M
6;2,1,6;72;F
7;3,2,6;30;M
8;3,2,6;82;M
9;3,6,2;78;F
10;3,6,4;54;F
11;4,6,2;26;F
12;3,4,1;36;F
13;2,3,5;55;M
14;2,4,1;85;F
15;2,6,4;20;M
16;6,3,2;56;F
17;2,4,3;24;F
18;3,6,2;28;M
19;2,1,3;35;F
20;3,6,2;52;F
21;1,4,2;87;F
22;1,6,2;41;M
23;6,1,4;89;F
24;6,1,2;35;M
