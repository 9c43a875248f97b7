META
key;value
description;Synthetisch burgerbudget (testgegevens)
country;Belgium
unit;Testdorp
instance;2024
num_projects;8
num_votes;40
budget;30000
vote_type;approval
rule;greedy
date_begin;04.03.2024
date_end;18.03.2024
min_length;1
max_length;4
language;nl
currency;EUR
experimental;1
comment;"#1: Synthetic data for evote's tests (tests/data/pabulib/generate.py); selected is pabutools' greedy by votes or points."
PROJECTS
project_id;cost;votes;name;selected
A-1;12000;21;Speeltuin aan het park;1
A-2;8000;20;"Fietsenstalling; station";1
A-3;15000;17;Bomen in de Kerkstraat;0
A-4;5000;6;Zitbanken langs de Leie;0
A-5;3000;4;Drinkfontein op de markt;1
A-6;7000;25;Bloemenweide;1
A-7;20000;18;Ledverlichting in de steegjes;0
A-8;4000;2;Petanquebaan;0
VOTES
voter_id;vote;age;sex
1;A-1,A-2,A-3,A-6;74;M
2;A-6;47;F
3;A-6,A-1;42;M
4;A-8,A-7;60;F
5;A-7,A-3,A-6,A-5;72;M
6;A-1,A-6;83;M
7;A-6;23;M
8;A-1,A-6,A-3;74;M
9;A-7,A-2;38;F
10;A-5,A-6,A-3,A-1;30;F
11;A-6,A-7,A-3,A-5;57;M
12;A-2,A-3,A-6;81;M
13;A-5,A-6,A-7;68;M
14;A-3;56;F
15;A-4,A-3;45;M
16;A-4,A-2,A-1;55;M
17;A-6,A-2,A-1,A-3;82;F
18;A-2,A-1;53;F
19;A-2,A-1,A-6,A-7;36;M
20;A-6,A-2;78;F
21;A-1,A-7,A-2;82;M
22;A-6,A-1,A-4,A-2;37;M
23;A-2,A-6,A-7,A-1;90;M
24;A-6,A-7,A-3;27;F
25;A-2,A-7,A-8,A-1;54;M
26;A-6,A-3,A-2,A-7;40;M
27;A-2,A-1;75;F
28;A-6,A-4;28;F
29;A-6,A-1;58;F
30;A-3,A-6,A-1;52;M
31;A-7;24;M
32;A-7;35;F
33;A-6,A-2,A-3;39;F
34;A-6,A-2,A-3;29;F
35;A-6,A-1,A-3,A-7;40;M
36;A-1,A-7,A-2,A-3;69;F
37;A-7,A-2,A-3;82;M
38;A-7,A-4,A-1;44;F
39;A-7,A-1,A-2,A-4;40;M
40;A-2,A-1,A-6;36;F
