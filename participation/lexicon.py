"""Shared concepts for municipal ideas in Dutch, French and English: a small hand-made lexicon.

Character n-grams (``text.py``) match ``fiets`` with ``fietsen`` but never with ``vélo``
or ``bike``. This module maps the everyday vocabulary of a city's participation process
to language-independent concept ids (``fietspad``, ``piste cyclable`` and ``bike lane``
all give ``bike`` and ``path``), so that an idea and its translation share tokens.

The vocabulary was written from general municipal words over the seven domains
(mobility, environment, culture, sport, solidarity, public space, education) and common
qualifiers (safe, night, free, new, ...), not from the ideas the thresholds were measured
on. It is data, not a model: nothing is learned or downloaded, and a word missing here
simply adds nothing.

Notation, one entry per term, all lower case without accents:

- ``word``: that word, also with a plural ``-s``/``-x``/``-en``/``-es`` (``banc`` finds
  ``bancs``, ``bank`` finds ``banken``); irregular plurals are listed (``boom``, ``bomen``).
- ``stem*``: any word beginning with it (``fiets*`` finds ``fietser``, ``fietsenstalling``);
  stems have four letters or more. The longest known beginning wins (``parking*`` before
  ``park*``).
- ``two words``: a phrase, matched on consecutive words, each allowed a plural ``-s``/``-x``
  (``aire de jeux``, ``sans abri``); phrases are read before single words.

A Dutch compound whose first part is known is also split once or twice: after the
first part (and a linking ``s``, ``e`` or ``en``) a remainder that is a known word or
stem adds its concept too (``fietsenstalling`` → ``bike`` + ``parking``,
``hondenpoep`` → ``dog`` + ``dog_mess``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

# concept id: terms (see the module's docstring for the notation)
LEXICON: Mapping[str, str] = {
    # --- mobility ---------------------------------------------------------------
    "bike": "fiets*, rijwiel*, bakfiets*, velo*, cycl*, bicyclette*, bike*, bicycl*, biking",
    "path": "pad, paden, piste*, lane, lanes, path, paths, trail*, chemin*, sentier*, wegel*, "
    "jaagpad*",
    "parking": "parkeer*, parkeren, parking*, stationnement*, stationn*, garer, garage*, "
    "stalling*, rack*, arceau*, range velo, parkeerplaats*",
    "station": "station, stations, gare, gares, spoorwegstation*, railway*",
    "train": "trein*, train, trains, rail, rails, spoor, sporen, sncb, nmbs",
    "bus": "bus, bussen, buses, busses, autobus*, bushalte*, abribus*, pendelbus*, navette*, "
    "shuttle*, minibus*, belbus*",
    "tram": "tram, trams, tramway*, tramlijn*, metro*, premetro*",
    "transport": "vervoer*, transport*, openbaar vervoer, transports en commun, public transport, "
    "mobilit*, commut*, pendel*, navetteur*",
    "stop": "halte*, arret*, stop, stops, bus stop",
    "car": "auto, autos, wagen, wagens, voiture*, car, cars, vehicul*, vehicle*, voertuig*, "
    "automobil*, bestuurder*, conducteur*, driver*, chauffeur*, rijden, rijdt, rouler, roulent, "
    "roule, drive, drives, driving",
    "truck": "vrachtwagen*, camion*, truck*, lorry, lorries, poids lourds, vrachtverkeer*, zwaar "
    "verkeer, heavy traffic",
    "traffic": "verkeer*, circulation, circuler, trafic, traffic*, doorgaand*, sluipverkeer*, "
    "transit*, embouteill*, file, files, congestion*, bouchon*",
    "speed": "snelheid*, snel, sneller, vite, fast, faster, vitesse*, speed*, speeding, rapide*, "
    "racen, hardrijd*, flits*, radar*, zone trente, zone dertig, limitation*",
    "speed_bump": "drempel*, verkeersdrempel*, ralentiss*, bump, bumps, coussin berlinois, dos d "
    "ane, chicane*, wegversmall*",
    "pedestrian": "voetganger*, pieton*, pedestrian*, wandel*, walk*, marcher, promen*, stroll*, "
    "flaner*, voetgang*",
    "crossing": "oversteek*, oversteken, zebrapad*, zebra*, passage pieton, passage pour pietons, "
    "crossing*, crosswalk*, traverser, traversee*",
    "sidewalk": "voetpad, voetpaden, stoep*, trottoir*, sidewalk*, pavement*, footpath*",
    "road": "weg, wegen, wegdek*, baan, banen, rijbaan*, rijweg*, chaussee*, road, roads, "
    "roadway*, carriageway*, asphalt*, asfalt*, bitume*, macadam*",
    "street": "straat*, straten, rue, rues, ruelle*, street*, avenue*, laan, lanen, boulevard*, "
    "steenweg*, dreef, steeg*, impasse*, doodlopend*",
    "school_street": "schoolstraat*, rue scolaire, school street, schoolroute*, chemin de l ecole",
    "junction": "kruispunt*, carrefour*, crossroad*, intersection*, junction*, rotonde*, rond "
    "point, roundabout*, verkeerslicht*, feux rouges, traffic light, feux de signalisation",
    "carshare": "autodeel*, deelauto*, cambio, carshar*, car sharing, autopartage*, covoitur*, "
    "carpool*, samenrij*, car pooling",
    "share": "delen, deelt, gedeeld*, deelfiets*, partag*, sharing, shared, share",
    "electric": "elektri*, electri*, laadpaal*, laadpunt*, laadstation*, oplaad*, recharg*, "
    "charging, charger*, borne de recharge",
    "scooter": "trottinette*, scooter*, bromfiets*, steps, e step, deelstep*",
    "one_way": "eenrichting*, sens unique, one way, sens interdit",
    "bridge": "brug, bruggen, bruggetje*, loopbrug*, pont, ponts, passerelle*, bridge*, "
    "footbridge*, viaduct*, viaduc*",
    "tunnel": "tunnel*, onderdoorgang*, souterrain*, underpass*",
    "sign": "bord, borden, bordje*, signal*, signalis*, signag*, bewegwijzer*, wegwijzer*, "
    "panneau*, sign, signs, signpost*, fleche*",
    "accident": "ongeval*, ongeluk*, accident*, crash, crashes, aanrijd*, collision*, blesse*, "
    "gewond*, injur*",
    "safety": "veilig*, onveilig*, gevaar*, secur*, danger*, safe, safer, safely, safety, unsafe, "
    "risico*, risque*, risk, risks, risky",
    # --- environment ------------------------------------------------------------
    "tree": "boom, bomen, boompje*, bomenrij*, arbre*, arbuste*, tree, trees, treelined, arbor*, "
    "aanplant*, haag, hagen, haie, haies, hedge*, struik*, shrub*, bush, bushes, bosquet*",
    "green": "groen*, vegetal*, verdur*, verdir*, green*, plant*, beplant*, greening, verduurz*, "
    "vergroen*",
    "flower": "bloem*, bloei*, fleur*, flower*, blossom*",
    "grass": "gras, grasveld*, gazon*, pelouse*, lawn*, grass*, maaien, tonte*, mowing",
    "garden": "tuin*, jardin*, garden*, volkstuin*, samentuin*, allotment*",
    "vegetable": "moestuin*, potager*, groente*, legume*, vegetable*, fruit*, boomgaard*, verger*, "
    "orchard*",
    "nature": "natuur*, nature*, biodivers*, wild, wilde, wildlife, faune, flore, ecolog*, "
    "ecosyst*, habitat*",
    "insect": "bijen, bijenhotel*, bijenkast*, abeille*, bee, bees, beehive*, insect*, vlinder*, "
    "papillon*, butterfl*, pollinat*, bestuiv*, hotel a insectes, ruche*, imker*, apicult*",
    "bird": "vogel*, oiseau*, bird, birds, nestkast*, nichoir*, zwaluw*, hirondelle*",
    "waste": "afval*, dechet*, waste*, vuilnis*, ordure*, trash*, garbage*, rubbish*, huisvuil*, "
    "encombrant*, grofvuil*, emballage*, verpakking*, packaging*, plastic*",
    "bin": "vuilbak*, poubelle*, bin, bins, bak, bakken, container*, conteneur*, corbeille*, "
    "afvalkorf*",
    "litter": "zwerfvuil*, zwerfafval*, litter*, sluikstort*, depot sauvage, fly tipping, "
    "dumping*, detritus, peuk*, megot*, cigarette*",
    "recycle": "recycl*, recyparc*, containerpark*, sorteer*, sorteren, tri selectif, trier, "
    "sorting, herbruik*, hergebruik*, reutilis*, reuse*, reus, repurpos*, glasbol*, bulle a verre",
    "compost": "compost*, gft, biodechet*, food waste, groenafval*, dechets verts, dechets "
    "organiques, organic waste",
    "energy": "energ*, stroom, electricit*, elektriciteit*, isolat*, isoler, insulat*, renovatie*, "
    "renovation*, verwarming*, chauffage*, heating",
    "solar": "zonnepane*, zonne*, solair*, solar*, photovolta*, fotovolta*, panneaux solaires, "
    "solar panels",
    "water": "water, waters, eau, eaux, regenwater*, eaux de pluie, rainwater*, waterput*, "
    "citerne*, grondwater*, nappe phreatique",
    "rain": "regen, pluie*, rain, rains, rainfall, neerslag*, averse*, buien, regenbui*, orage*, "
    "storm*, onweer*",
    "flood": "overstroming*, wateroverlast*, inondation*, inonde*, flood*, ondergelopen, wadi*, "
    "bassin d orage",
    "fountain": "fontein*, fontaine*, fountain*, drinkfontein*, drinkwater*, eau potable, drinking "
    "water",
    "climate": "klimaat*, climat*, climate*, opwarming*, rechauffement*, warming, duurzaam*, "
    "duurzame, durable*, sustainab*, transition*",
    "heat": "hitte*, chaleur*, canicule*, heat, heatwave*, warmte*, hittegolf*, ilot de chaleur, "
    "heat island",
    "shade": "schaduw*, ombre*, ombrage*, shade*, shadow*, schaduwplek*, zonnescherm*, parasol*",
    "cool": "koel*, verkoel*, fraich*, rafraich*, cool, cooler, cooling",
    "air": "lucht, luchtkwaliteit*, air, qualite de l air, air quality, fijnstof*, particule*, "
    "particulate*",
    "pollution": "pollu*, vervuil*, uitstoot*, emission*, uitlaatgas*, gaz d echappement, "
    "exhaust*, smog",
    "unpave": "onthard*, ontharden, desimperm*, depav*, unpav*, depaving, tegelwip*, debeton*",
    "concrete": "beton*, verhard*, imperm*, concrete*, tarmac*, paved, tegels, dalles",
    "clean": "schoon, schone, schoonma*, net, netjes, propre*, proprete*, nettoy*, clean*, "
    "opruim*, poets*, veeg*, balay*, sweep*, ramass*, vuil, vuile, sale, sales, salete*, dirty, "
    "dirt, filthy, crasseux",
    "dog": "hond, honden, hondje*, chien*, dog, dogs, canin*, canisite*, hondenweide*, "
    "hondenlosloop*, losloopweide*, dog park",
    "dog_mess": "poep*, uitwerpsel*, crotte*, dejection*, poop*, poo, fouling, dog mess, dog waste",
    "animal": "dier, dieren, dierenwelzijn*, animal*, huisdier*, kat, katten, chat, chats, "
    "chatte*, cat, cats, paard*, cheval, chevaux, horse*, kinderboerderij*, ferme pedagogique",
    "pest": "rat, ratten, rats, rongeur*, rodent*, duif, duiven, pigeon*, muggen, moustique*, "
    "mosquito*",
    "park": "park*, parc, parcs, jardin public, stadspark*, plantsoen*, squaretje*",
    "forest": "bos, bossen, bosje*, bois, foret*, forest*, wood, woods, woodland*, bosrand*",
    "waterway": "rivier*, riviere*, river*, kanaal*, canal, canals, canaux, beek, beken, "
    "ruisseau*, stream, streams, vijver*, etang*, pond, ponds, lac, lacs, lake, lakes, waterkant*, "
    "oever*, berge*, riverside*, quai*, kade*",
    # --- culture ----------------------------------------------------------------
    "museum": "museum*, musea, musee*",
    "library": "bibliothe*, bieb*, mediathe*, library, libraries, librar*, ludothe*, speelotheek*",
    "book": "boek, boeken, boekje*, livre*, book, books, lezen, lezer*, lecture*, lire, lecteur*, "
    "reading, reader*, boite a livres, boekenruil*, bookcross*",
    "exchange": "ruil*, echange*, exchange*, swap*, troc, weggeefkast*, give box, donnerie*",
    "music": "muziek*, musique*, music*, musici*, musicien*, muzikant*, chorale*, koor, koren, "
    "choir*, fanfare*, harmonie*, orkest*, orchestr*",
    "concert": "concert*, optreden*, spectacle*, show, shows, voorstelling*, performance*, "
    "podium*, scene ouverte, open stage, kiosk*, kiosque*, bandstand*",
    "festival": "festival*, feest, feesten, feestje*, fete, fetes, festivit*, party, parties, "
    "celebrat*, kermis*, foire*, fair, fairs, carnaval*, carnival*, braderie*, buurtfeest*, fete "
    "des voisins, street party",
    "film": "film*, cinema*, movie*, bioscoop*, ecran*, scherm*, screen, screens, screening*, "
    "projection*, filmvertoning*",
    "outdoor": "openlucht*, buiten, buitenlucht, plein air, open air, outdoor*, outside, dehors, "
    "exterieur*",
    "art": "kunst*, art, arts, artist*, artisti*, oeuvre*, kunstwerk*, oeuvre d art, artwork*, "
    "creati*",
    "sculpture": "sculpt*, standbeeld*, beeldhouw*, statue*, beeld, beelden",
    "mural": "muurschilder*, fresque*, mural, murals, graffiti*, street art, streetart*, graff, "
    "tags, tag, tagg*",
    "paint": "schilder*, verf, verven, peint*, paint*",
    "exhibition": "expo, expos, exposition*, tentoonstell*, exhibit*, galerie*, gallery*, "
    "galleries",
    "heritage": "erfgoed*, patrimoine*, heritage*, monument*, historis*, histori*, geschied*, "
    "histoire*, history, beschermd*, classe*, listed building",
    "theatre": "theater*, theatre*, toneel*, schouwburg*, comedien*, acteur*, actor*, cirque*, "
    "circus*",
    "dance": "dansen, danse*, dance*, dancing, danseur*",
    "culture": "cultu*, cultuurcentrum*, centre culturel, cultural centre",
    "workshop": "workshop*, atelier*, cursus*, cours, lessen, lesson*, initiation*, stage, stages, "
    "vorming*, class, classes",
    "church": "kerk*, eglise*, church*, chapel*, chapelle*, kapel*, abdij*, abbaye*, abbey*, "
    "cathedra*, kathedra*, begijnhof*, beguinage*",
    "castle": "kasteel*, chateau*, castle*, burcht*",
    # --- sport --------------------------------------------------------------------
    "sport": "sport*, omnisport*, sportif*, sportive*, athlet*, atletiek*",
    "hall": "hal, hallen, hall, halls, salle*, zaal, zalen, gymnase*, gymzaal*, sporthal*",
    "football": "voetbal*, football*, foot, soccer*, futsal*, minivoetbal*, goal, goals, doel, "
    "doelen",
    "field": "terrain*, terrein*, veld, velden, field, fields, pitch, pitches, weide, weiden, "
    "meadow*, prairie*, plaine*",
    "swim": "zwem*, piscine*, swim*, pool, pools, baign*, natation, nager, baden, bain, bains, "
    "bath, baths, openluchtzwembad*",
    "run": "lopen, loop, loopt, looppiste*, hardlop*, jogg*, running, runner*, course a pied, "
    "coureur*, marathon*, finse piste, parcours sante",
    "fitness": "fitness*, gym, workout*, calisthen*, sportoestel*, toestel*, appareil*, "
    "musculation, street workout",
    "skate": "skate*, skateboard*, planche a roulettes, bmx, pumptrack*, roller*, rolschaats*, "
    "patin*, schaats*, skating, ice rink, ijsbaan*, patinoire*",
    "tennis": "tennis*, padel*, badminton*, squash*",
    "table": "tafel, tafels, tafeltje*, picknicktafel*, table, tables, picknick*, pique nique, "
    "piquenique*, picnic*",
    "basketball": "basket*, basketbal*, basketball*, panier*, korf*, netbal*",
    "volleyball": "volley*, beachvolley*",
    "petanque": "petanque*, jeu de boules, boules, boule, bowls",
    "climbing": "klim*, escalad*, climb*, bloc, boulder*",
    "walk_hike": "wandelroute*, wandeling*, randonnee*, hiking, hike, hikes, balade*, trektocht*",
    "club": "club, clubs, vereniging*, association*, asbl, vzw, amicale*, sportclub*, "
    "sportvereniging*",
    "play": "spel, spelen, spelletje*, speel*, jeu, jeux, jouer, joue, play, plays, playing, game, "
    "games, ludique*",
    "playground": "speeltuin*, speelplein*, speelplaats*, speelterrein*, speelzone*, speelbos*, "
    "aire de jeux, plaine de jeux, playground*, play area, schommel*, balancoire*, swing, swings, "
    "glijbaan*, toboggan*, slide, slides, zandbak*, bac a sable, sandpit*, sandbox*, klimrek*",
    "leisure": "vrije tijd, vrijetijd*, loisir*, leisure*, recreati*, detente*, ontspann*, relax*",
    # --- solidarity ---------------------------------------------------------------
    "elderly": "ouderen, senior*, bejaard*, aines, personnes agees, agees, agee, elderly, older "
    "people, older residents, gepensioneerd*, pensionn*, retraite*, retired, pensioner*, "
    "grootouder*, grands parents, grandparent*",
    "care_home": "rusthuis*, woonzorg*, serviceflat*, ehpad, maison de repos, care home, nursing "
    "home",
    "lonely": "eenzaam*, eenzaamheid, isolement, isole, isolee, isoles, isolees, lonel*, "
    "solitude*, seul, seule, seuls, seules, alone, isolated, isolation",
    "homeless": "dakloos*, daklozen, thuisloos*, thuislozen, sans abri, sdf, homeless*, sleeping "
    "rough, rough sleep, sans domicile",
    "shelter": "opvang*, nachtopvang*, refuge*, hebergement*, heberger, accueil*, onthaal*",
    "poverty": "armoede*, kansarm*, pauvre*, poverty, poor, precari*, maatschappelijk kwetsbaar, "
    "vulnerab*, kwetsba*, deprivation*, leefloon*, ocmw, cpas, sociaal huis",
    "social": "sociaal, sociale, social*, welzijn*, solidar*, bien etre, welfare, wellbeing, well "
    "being",
    "food": "voedsel*, voeding*, eten, maaltijd*, alimenta*, nourriture*, repas, manger, food, "
    "foods, meal, meals, cuisine*, keuken*, kitchen*, cook*, koken, cuisin*, restaurant*, resto, "
    "restos",
    "food_aid": "voedselbank*, voedselhulp*, voedselpakket*, aide alimentaire, banque alimentaire, "
    "colis alimentaires, food bank, food aid, food parcels, restos du coeur, sociale kruidenier, "
    "epicerie sociale, social grocery",
    "help": "hulp*, helpen, help, helping, helper*, aide, aider, aides, steun*, soutien*, "
    "soutenir, support*, bijstand*, assist*, ondersteun*, begeleid*, accompagn*, guidance",
    "volunteer": "vrijwillig*, benevol*, volunt*, vrijwilliger*",
    "newcomer": "nieuwkomer*, nouveaux arrivants, nouvel arrivant, arrivant*, newcomer*, migrant*, "
    "vluchteling*, refugi*, refugee*, asiel*, asile*, asylum*, inburger*, integrat*, integratie*, "
    "primo arrivant",
    "language": "taal, talen, taalcafe*, taalles*, langue*, language*, nederlands*, frans, engels, "
    "francais, anglais, neerlandais, dutch, french, english, conversat*, babbel*, table de "
    "conversation",
    "neighbourhood": "buur*, voisin*, neighbo*, quartier*, wijk, wijken, wijkcentrum*, district*, "
    "borough*, deelgemeente*, hameau*, gehucht*",
    "child": "kind, kinderen, kinder*, kindje*, enfant*, child*, kid, kids, bambin*, peuter*, "
    "kleuter*, toddler*, baby*, bebe*, gamin*, jongen*, meisje*",
    "childcare": "kinderopvang*, creche*, childcare*, daycare*, day care, garderie*, "
    "onthaalouder*, halte garderie, nursery*, kinderdagverblijf*",
    "parent": "ouders, ouder, parent, parents, parental*, famil*, gezin*, moeder*, vader*, mere, "
    "meres, pere, peres, mother*, father*",
    "youth": "jeugd*, jongeren, jongere, jeune, jeunes, jeunesse, youth*, young, teen*, tiener*, "
    "ado, ados, adolescen*, puber*",
    "youth_centre": "jeugdhuis*, jeugdcentrum*, jeugdlokaal*, maison des jeunes, maison de jeunes, "
    "youth centre, youth center, youth club, jeugdbeweging*, chiro, scouts, scout, patro, "
    "mouvement de jeunesse",
    "disability": "toegankelijk*, ontoegankelijk*, rolstoel*, accessib*, inaccessib*, wheelchair*, "
    "pmr, handicap*, beperking*, mindervalide*, invalide*, disab*, fauteuil roulant, blind*, "
    "aveugle*, malvoyant*, slechtziend*, doof, doven, sourd*, deaf*, rolstoelgebruiker*, mobilite "
    "reduite, reduced mobility",
    "health": "gezond*, sante, health*, medic*, dokter*, docteur*, doctor*, huisarts*, "
    "ziekenhuis*, hopital*, hospital*, mental*, psych*, zorg, zorgen, soins, care, caring, "
    "verpleeg*, infirmi*, nurse*, ziek, ziekte*, malad*, illness*, sick",
    "defibrillator": "defibrill*, aed, eerste hulp, premiers secours, first aid",
    "housing": "woning*, wonen, logement*, housing*, huisvest*, appartement*, apartment*, flat, "
    "flats, huur*, loyer*, rent, rents, renting, kot, koten, sociale woning, logement social, "
    "logements sociaux, social housing, cohousing*, samenhuis*",
    "house": "huis, huizen, huisje*, maison, maisons, house, houses, home, homes, woonhuis*",
    "digital": "digita*, numeri*, internet*, wifi, online, en ligne, computer*, ordinat*, laptop*, "
    "smartphone*, tablet*, tablette*, app, apps, website*, site web, webpagina*, e mail, email*",
    "meet": "ontmoet*, rencontr*, meet, meets, meeting*, samenkomst*, bijeenkomst*, gather*, "
    "rassembl*, reunion*, convivial*, gezellig*, samenleven, vivre ensemble, lien social, sociale "
    "cohesie, social cohesion, samenhorig*",
    "inclusion": "inclus*, inclusi*, diversit*, divers, diverse, discrimin*, racism*, racis*, "
    "gelijkheid*, egalite*, equality, gelijke kansen, equal opportunity",
    "cafe": "cafe, cafes, koffie*, cafeteria*, coffee*, buvette, bar, bars, kroeg*, herberg*, "
    "repair cafe",
    "repair": "herstel*, repar*, repair*, renov*, vernieuw*, opknap*, refection*, refaire, "
    "onderhoud*, entretien*, entreten*, maintenance*, maintain*, kapot*, stuk, casse, cassee, "
    "broken, damaged, beschadig*, degrad*, endommag*, vandal*",
    # --- public space ----------------------------------------------------------------
    "square": "plein, pleinen, pleintje*, place, places, square, squares, esplanade*, piazza*, "
    "dorpsplein*, marktplein*, grand place, grote markt",
    "market": "markt*, marche, marches, market*, halles, kraam, kramen, stand, stands, etal, "
    "etals, stall, stalls, boerenmarkt*, rommelmarkt*, vlooienmarkt*, brocante*",
    "bench": "bank, banken, bankje*, zitbank*, zitplaats*, zitje*, zitten, zithoek*, banc, bancs, "
    "banquette*, assise*, asseoir, siege, sieges, bench, benches, seat, seats, seating, sit, "
    "sitting, rustbank*",
    "toilet": "toilet*, wc, sanitai*, plaspaal*, urinoir*, urinal*, lavator*, restroom*, publieke "
    "toiletten, toilettes publiques, public toilets, sanisette*",
    "light": "verlicht*, licht, lichten, lamp*, eclairage*, eclair*, lampadaire*, reverbere*, "
    "light, lights, lighting, lit, unlit, streetlight*, luminaire*, straatverlichting*, led, leds",
    "dark": "donker*, sombre*, obscur*, dark, darkness, noir, noire, pikdonker*",
    "night": "nacht*, nuit*, night*, nocturn*, avond*, soir, soiree*, soirs, evening*",
    "furniture": "straatmeubilair*, meubilair*, mobilier*, furniture*, amenagement*, inrichting*, "
    "herinricht*, heraanleg*, reamenag*, redesign*, layout",
    "cover": "abri, abris, shelter*, schuil*, shed, sheds, overdek*, overdakt*, afdak*, luifel*, "
    "couvert*, covered, roof, roofs, roofed, dak, daken, toit*, toiture*, auvent*, preau*, "
    "canopy*, canopies",
    "terrace": "terras*, terrasse*, terrace*",
    "wall": "muur, muren, muurtje*, mur, murs, wall, walls, gevel*, facade*, geveltuin*, facades",
    "building": "gebouw*, batiment*, building*, edifice*, pand, panden, immeuble*, leegstand*, "
    "vacant*, inoccup*, abandon*, verlaten, leegstaand*, friche*, wasteland*, brownfield*",
    "town_hall": "stadhuis*, gemeentehuis*, hotel de ville, maison communale, administration "
    "communale, town hall, city hall, loket*, guichet*, balie*, administrat*, service public, "
    "dienstverlen*",
    "municipality": "gemeente*, commune, communes, communal*, municipal*, city, cities, town, "
    "towns, stad, steden, stede*, ville, villes, centre ville, stadscentrum*, city centre, city "
    "center, town centre, downtown, binnenstad*, centrum, centre, center, centra",
    "village": "dorp*, village*, kern, kernen",
    "noise": "lawaai*, geluid*, geluidsoverlast*, bruit*, noise*, noisy, sonore*, tapage*, "
    "nuisance*, overlast*, herrie, stilte*, silence*, calme, rustig*, quiet*",
    "crime": "crimin*, crime*, inbra*, cambriol*, burglar*, diefstal*, theft*, stolen, steal*, "
    "voleur*, dief, dieven, thief, thieves, agress*, aggress*, geweld*, violence*, violent*, "
    "drug*, dealer*, deal, onveiligheidsgevoel*",
    "police": "politie*, police*, agent*, wijkagent*, gardien de la paix, patrouil*, patrol*, "
    "toezicht*, surveill*, camera*, bewakingscamera*, cctv",
    "space": "ruimte*, espace*, space, spaces, openbare ruimte, espace public, public space, lieu, "
    "lieux, plek, plekken, plekje*, spot, spots, endroit*, locatie*, location*, venue*",
    "access": "toegang*, acces, entry, entries, entree*, ingang*, entrance*, admission*, access",
    "open": "open, opens, opening*, openingsuren, ouvert*, ouvrir, ouverture*, toegankelijk voor "
    "iedereen",
    "close": "sluit*, gesloten, sluiting*, ferme, fermee, fermer, fermeture*, closed, close, "
    "closes, closing, closure*",
    "hour": "uur, uren, heure*, hour, hours, horaire*, schedule*, dienstregeling*, timetable*, "
    "frequen*",
    "free": "gratis, gratuit*, free, kosteloos, freely, sans frais",
    "price": "prijs, prijzen, prix, price*, tarief*, tarif*, cost, costs, kost, kosten, cout, "
    "couts, couteux, betal*, payant*, payer, pay, paying, paid, ticket*, abonnement*, "
    "subscription*",
    "funding": "subsid*, premie*, prime, primes, grant, grants, budget*, begroting*, geld, argent, "
    "money, financ*, fonds, fund, funds, funding, investe*, invest*",
    "resident": "burger, burgers, burgerparticipatie*, citoyen*, citizen*, inwoner*, habitant*, "
    "resident*, bewoner*, buurtbewoner*, riverain*, omwonend*",
    "participation": "particip*, inspraak*, overleg*, concertation*, consult*, bevraging*, "
    "enquete*, survey*, vote, voter, stemmen, stemming, referend*, wijkraad*, conseil de quartier, "
    "comite*, comite de quartier, buurtcomite*",
    "shop": "winkel*, commerce*, commercant*, magasin*, shop, shops, shopping, store, stores, "
    "handelaar*, handelaars, merchant*, retail*, boutique*, horeca*, ondernem*, entrepren*, "
    "economie locale, local economy",
    "local": "lokaal, lokale, local, locale, locaux, locally, circuit court, korte keten, short "
    "supply chain, producteur*, producer*, producent*, boer, boeren, agricult*, landbouw*, farmer*",
    "tourism": "toeris*, touris*, bezoeker*, visiteur*, visitor*, bezienswaardig*, office du "
    "tourisme, tourist office",
    "information": "informatie*, information*, info, infos, infobord*, communicat*, bekendmak*, "
    "annonce*, affich*, poster*, nieuwsbrief*, newsletter*, map, maps, kaart, kaarten, "
    "plattegrond*, carte, cartes",
    # --- education ---------------------------------------------------------------------
    "school": "school*, scholen, ecole*, scol*, schoolpoort*, campus*, lycee*, college, colleges, "
    "athenee*, athene*, basisschool*, kleuterschool*, secundair*, secondaire*, secondary, primary, "
    "primaire*, lager onderwijs",
    "pupil": "leerling*, eleve, eleves, pupil*, scholier*, student*, etudiant*, schoolkind*, "
    "schoolchildren, schoolkinderen",
    "teacher": "leerkracht*, leraar*, leraren, lerares*, enseignant*, professeur*, prof, profs, "
    "teacher*, instituteur*, institutrice*, juf, juffen, meester*",
    "homework": "huiswerk*, devoirs, homework*, bijles*, tutor*, remediering*, soutien scolaire, "
    "ecole des devoirs, huiswerkklas*, huiswerkbegeleiding*",
    "study": "studie*, studeren, studeer*, etude, etudes, etudier, study, studying, studies, blok, "
    "blokken, blokkers, examen*, exam, exams, revision*, revisions",
    "learn": "leren, leer, apprend*, apprentissage*, learn*, onderwijs*, enseign*, educat*, "
    "educa*, opvoed*, pedagog*, formation*, opleiding*, training*, former, onderricht*, ecolier*",
    "study_space": "studieruimte*, studiezaal*, studieplek*, salle d etude, study room, study "
    "space, blokruimte*",
    # --- common qualifiers ---------------------------------------------------------------
    "new": "nieuw, nieuwe, nieuwer, nouveau, nouvel, nouvelle, nouveaux, nouvelles, new, newer",
    "big": "groot, grote, groter, grotere, grand, grande, grands, grandes, agrandi*, big, bigger, "
    "large, larger, vergrot*, uitbreid*, extension*, expand*, enlarg*",
    "small": "klein, kleine, kleiner, petit, petite, petits, petites, small, smaller, little, "
    "tiny, mini",
    "full": "vol, volle, overvol*, bomvol*, complet, complete, satur*, full, overcrowded, crowded, "
    "druk, drukke, drukte*, bonde*, busy, overbezet*",
    "too_few": "tekort*, gebrek*, manque*, manquent, manquer, lack, lacks, lacking, shortage*, "
    "onvoldoende, insuffisan*, insufficient*, te weinig, trop peu, too few, not enough, pas assez",
    "morning": "ochtend*, morgens, matin*, morning*, matinee*, voormiddag*",
    "weekend": "weekend*, zaterdag*, samedi*, saturday*, zondag*, dimanche*, sunday*",
    "weekday": "maandag*, lundi*, monday*, dinsdag*, mardi*, tuesday*, woensdag*, mercredi*, "
    "wednesday*, donderdag*, jeudi*, thursday*, vrijdag*, vendredi*, friday*",
    "summer": "zomer*, estival*, summer*, juli, juillet, july, augustus, aout, august",
    "winter": "winter*, hiver*, sneeuw*, neige*, snow*, ijzel*, verglas*, gladheid, strooi*, "
    "salage, salt, zout, gel, vorst*, frost*, ice, icy",
    "holiday": "vakantie*, vacance*, holiday*, verlof*, conge*",
    "close_by": "dichtbij, nabij*, proximite*, proche*, nearby, near, in de buurt van, a cote",
    "width": "breed, brede, breder, verbreden, verbred*, elargi*, wide, wider, widen*, smal, "
    "smalle, etroit*, narrow*",
    "install": "plaats, plaatsen, installe*, installer, installation*, install*, aanleg*, "
    "aanleggen, bouw*, construct*, construire, build*, creer, creation*, realis*, realiz*, "
    "amenager, voorzien*, placer",
}

_FOLDED = re.compile(r"[a-z]+")
_TOKEN = re.compile(r"[^\W\d_]+")
_LINKS = ("", "s", "en", "e", "n")  # linking letters inside a Dutch compound


def _singular(word: str) -> str:
    """``word`` without a plural ``s`` or ``x`` (words of four letters or more)."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def terms() -> list[tuple[str, str]]:
    """Every (term, concept) of `LEXICON`, terms as written (``*`` kept)."""
    return [
        (term.strip(), concept) for concept, listed in LEXICON.items() for term in listed.split(",")
    ]


def _entries() -> tuple[dict[str, str], dict[str, str], dict[tuple[str, ...], str]]:
    """The lexicon as lookup tables; a term that is not folded, or given twice, is an error."""
    words: dict[str, str] = {}
    stems: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    seen: dict[tuple[str, ...], str] = {}
    for term, concept in terms():
        parts = tuple(_singular(p) if " " in term else p for p in term.rstrip("*").split())
        if not parts or not all(_FOLDED.fullmatch(p) for p in parts):
            raise ValueError(f"lexicon term {term!r} is not lower-case folded letters")
        if parts in seen:
            raise ValueError(f"lexicon term {term!r} maps to {seen[parts]} and {concept}")
        seen[parts] = concept
        if len(parts) > 1:
            if term.endswith("*"):
                raise ValueError(f"lexicon phrase {term!r} cannot be a stem")
            phrases[parts] = concept
        elif term.endswith("*"):
            if len(parts[0]) < 4:
                raise ValueError(f"lexicon stem {term!r} is shorter than four letters")
            stems[parts[0]] = concept
        else:
            words[parts[0]] = concept
    return words, stems, phrases


WORDS, STEMS, PHRASES = _entries()
_LONGEST_PHRASE = max((len(p) for p in PHRASES), default=1)


def _forms(word: str) -> tuple[str, ...]:
    """``word`` and what it may be the plural of."""
    forms = [word]
    if len(word) > 3 and word[-1] in "sx":
        forms.append(word[:-1])
    if len(word) > 4 and word[-2:] in ("en", "es"):
        forms.append(word[:-2])
    return tuple(forms)


@lru_cache(maxsize=65_536)
def word_concepts(word: str, depth: int = 0) -> tuple[str, ...]:
    """The concepts one folded word names: a known word, or a known beginning (the
    longest) and, in a compound, what the rest names. Empty when nothing is known."""
    if len(word) < 3:
        return ()
    for form in _forms(word):
        if form in WORDS:
            return (WORDS[form],)
    for end in range(len(word), 2, -1):
        head, rest = word[:end], word[end:]
        if head in STEMS:
            return (STEMS[head], *_remainder(rest, depth))
        if rest and head in WORDS:
            tail = _remainder(rest, depth)
            if tail:
                return (WORDS[head], *tail)
    return ()


def _remainder(rest: str, depth: int) -> tuple[str, ...]:
    """The concepts of a compound's second part, if it is a known word or stem."""
    if depth >= 2:
        return ()
    for link in _LINKS:
        if rest.startswith(link) and len(rest) - len(link) >= 3:
            found = word_concepts(rest[len(link) :], depth + 1)
            if found:
                return found
    return ()


def concepts(folded: str) -> list[str]:
    """The concept ids of a folded text (``text.fold``), in order, repeats kept.

    Phrases are read first (the longest at each position), then single words.
    """
    tokens = _TOKEN.findall(folded)
    singular = [_singular(t) for t in tokens]
    out: list[str] = []
    k = 0
    while k < len(tokens):
        for size in range(min(_LONGEST_PHRASE, len(tokens) - k), 1, -1):
            concept = PHRASES.get(tuple(singular[k : k + size]))
            if concept is not None:
                out.append(concept)
                k += size
                break
        else:
            out.extend(word_concepts(tokens[k]))
            k += 1
    return out
