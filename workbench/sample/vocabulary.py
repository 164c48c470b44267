"""The sample shop's vocabulary: its products, pages and blog, the people who buy there (names,
places, languages, phones, e-mail domains), its event names and its campaigns.

Plain data and the tables derived from it once per process; nothing here draws at random.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

SAMPLE_AS_OF = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
"""The default evaluation instant of the sample data (Cyber Monday 2026, noon UTC)."""

CROSS_SELL_PAIR = ("p_shoe_run_01", "p_socks_run_01")
"""(product A, product B): the running shoe and the socks often bought with it."""

# --------------------------------------------------------------------------------------
# Catalogue: products, pages, blog
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """One product of the shop's catalogue."""

    product_id: str
    category: str
    price: float
    name: str
    popularity: float


PRODUCT_CATEGORIES = ("sport", "kitchen", "electronics", "clothing", "home_garden", "beauty")
BLOG_CATEGORIES = ("running", "cooking", "tech", "fashion", "garden")
_CATEGORY_TITLES = {
    "sport": "Sport i bieganie",
    "kitchen": "Kuchnia",
    "electronics": "Elektronika",
    "clothing": "Odzież",
    "home_garden": "Dom i ogród",
    "beauty": "Uroda",
}

PRODUCTS = tuple(
    Product(*row)
    for row in (
        ("p_shoe_run_01", "sport", 549.99, "Buty do biegania Pegasus 41", 10),
        ("p_shoe_run_02", "sport", 699.00, "Buty trailowe Speedgoat 6", 4),
        ("p_shoe_run_03", "sport", 1199.00, "Buty startowe z płytką karbonową", 2),
        ("p_socks_run_01", "sport", 49.99, "Skarpety biegowe kompresyjne", 6),
        ("p_socks_run_02", "sport", 59.99, "Skarpety biegowe 3-pak", 3),
        ("p_shirt_run_01", "sport", 129.99, "Koszulka biegowa oddychająca", 4),
        ("p_shorts_run_01", "sport", 149.99, "Spodenki biegowe 2w1", 3),
        ("p_watch_run_01", "sport", 1899.00, "Zegarek biegowy GPS", 3),
        ("p_belt_run_01", "sport", 79.99, "Pas biegowy na telefon", 2),
        ("p_bottle_01", "sport", 39.99, "Bidon sportowy 750 ml", 2),
        ("p_yoga_mat_01", "sport", 119.00, "Mata do jogi", 2),
        ("p_dumbbell_01", "sport", 899.00, "Hantle regulowane 2 × 20 kg", 1),
        ("p_pan_01", "kitchen", 249.00, "Patelnia stalowa 28 cm", 4),
        ("p_knife_01", "kitchen", 329.00, "Nóż szefa kuchni 20 cm", 4),
        ("p_coffee_01", "kitchen", 89.99, "Kawa ziarnista 1 kg", 8),
        ("p_espresso_01", "kitchen", 2499.00, "Ekspres do kawy ciśnieniowy", 2),
        ("p_blender_01", "kitchen", 399.00, "Blender kielichowy", 3),
        ("p_pot_01", "kitchen", 599.00, "Garnek żeliwny 5 l", 2),
        ("p_airfryer_01", "kitchen", 449.00, "Frytkownica beztłuszczowa", 5),
        ("p_cookbook_01", "kitchen", 69.90, "Książka kucharska: kuchnia polska", 3),
        ("p_headphones_01", "electronics", 1299.00, "Słuchawki bezprzewodowe z ANC", 5),
        ("p_earbuds_01", "electronics", 349.00, "Słuchawki douszne TWS", 6),
        ("p_phone_case_01", "electronics", 59.99, "Etui na telefon", 6),
        ("p_charger_01", "electronics", 149.00, "Ładowarka USB-C 65 W", 5),
        ("p_powerbank_01", "electronics", 179.00, "Powerbank 20000 mAh", 4),
        ("p_smartwatch_01", "electronics", 999.00, "Smartwatch z GPS", 3),
        ("p_speaker_01", "electronics", 399.00, "Głośnik Bluetooth", 3),
        ("p_laptop_01", "electronics", 4999.00, 'Laptop 14" ultrabook', 2),
        ("p_tablet_01", "electronics", 1899.00, 'Tablet 11"', 2),
        ("p_jacket_01", "clothing", 699.00, "Kurtka puchowa zimowa", 5),
        ("p_jeans_01", "clothing", 229.00, "Jeansy slim fit", 6),
        ("p_dress_01", "clothing", 259.00, "Sukienka midi", 4),
        ("p_sweater_01", "clothing", 299.00, "Sweter wełniany", 4),
        ("p_scarf_01", "clothing", 189.00, "Szalik kaszmirowy", 2),
        ("p_sneakers_01", "clothing", 459.00, "Sneakersy skórzane", 4),
        ("p_tshirt_01", "clothing", 59.99, "T-shirt bawełniany", 6),
        ("p_coat_01", "clothing", 899.00, "Płaszcz wełniany", 2),
        ("p_mower_01", "home_garden", 899.00, "Kosiarka elektryczna", 3),
        ("p_grill_01", "home_garden", 1599.00, "Grill gazowy", 3),
        ("p_hose_01", "home_garden", 119.00, "Wąż ogrodowy 25 m", 4),
        ("p_seeds_01", "home_garden", 24.99, "Nasiona ziół – zestaw", 5),
        ("p_pruner_01", "home_garden", 89.00, "Sekator", 3),
        ("p_lamp_01", "home_garden", 49.99, "Lampa solarna ogrodowa", 4),
        ("p_chair_01", "home_garden", 199.00, "Krzesło ogrodowe", 3),
        ("p_cream_01", "beauty", 79.99, "Krem nawilżający", 5),
        ("p_perfume_01", "beauty", 349.00, "Woda perfumowana 50 ml", 3),
        ("p_shampoo_01", "beauty", 39.99, "Szampon naturalny", 5),
        ("p_serum_01", "beauty", 119.00, "Serum z witaminą C", 3),
    )
)

_BLOG = {
    "running": (
        ("jak-zaczac-biegac", "Jak zacząć biegać? Poradnik dla początkujących"),
        ("plan-treningowy-10-km", "Plan treningowy na 10 km"),
        ("jak-wybrac-buty-do-biegania", "Jak wybrać buty do biegania"),
        ("bieganie-zima", "Bieganie zimą: 7 porad"),
        ("pierwszy-maraton", "Twój pierwszy maraton"),
        ("rozciaganie-po-biegu", "Rozciąganie po biegu"),
    ),
    "cooking": (
        ("pierogi-ruskie", "Pierogi ruskie krok po kroku"),
        ("zurek-wielkanocny", "Żurek wielkanocny"),
        ("idealne-espresso", "Jak zrobić idealne espresso"),
        ("kuchnia-roslinna", "Kuchnia roślinna na co dzień"),
        ("ostrzenie-nozy", "Ostrzenie noży w domu"),
        ("chleb-na-zakwasie", "Chleb na zakwasie"),
    ),
    "tech": (
        ("sluchawki-anc-ranking", "Ranking słuchawek z ANC"),
        ("jak-wybrac-laptopa", "Jak wybrać laptopa do pracy"),
        ("smartwatch-czy-opaska", "Smartwatch czy opaska sportowa?"),
        ("bezpieczne-hasla", "Bezpieczne hasła: poradnik"),
        ("ladowanie-usb-c", "Wszystko o ładowaniu USB-C"),
        ("test-glosnikow-bluetooth", "Test głośników Bluetooth"),
    ),
    "fashion": (
        ("trendy-jesien-zima", "Trendy jesień–zima"),
        ("jak-dobrac-jeansy", "Jak dobrać jeansy do sylwetki"),
        ("garderoba-kapsulowa", "Garderoba kapsułowa"),
        ("pielegnacja-welny", "Pielęgnacja wełny"),
        ("stylizacje-na-wesele", "Stylizacje na wesele"),
        ("kurtka-na-zime", "Jaką kurtkę wybrać na zimę"),
    ),
    "garden": (
        ("warzywnik-na-balkonie", "Warzywnik na balkonie"),
        ("kiedy-kosic-trawnik", "Kiedy kosić trawnik"),
        ("grillowanie-porady", "Grillowanie: porady mistrza"),
        ("ziola-w-doniczce", "Zioła w doniczce"),
        ("przycinanie-roz", "Przycinanie róż"),
        ("ogrod-jesienia", "Ogród jesienią"),
    ),
}

# Contacts' main interest: (name, weight, product category, blog category).
INTERESTS = (
    ("running", 0.22, "sport", "running"),
    ("cooking", 0.22, "kitchen", "cooking"),
    ("tech", 0.22, "electronics", "tech"),
    ("fashion", 0.22, "clothing", "fashion"),
    ("garden", 0.12, "home_garden", "garden"),
)

CATEGORIES = PRODUCT_CATEGORIES + BLOG_CATEGORIES  # the values of events.category
_CAT = {c: i for i, c in enumerate(CATEGORIES)}

P_IDS = [p.product_id for p in PRODUCTS]
_P_IDX = {p: i for i, p in enumerate(P_IDS)}
_P_CAT = np.array([PRODUCT_CATEGORIES.index(p.category) for p in PRODUCTS])
P_PRICE = np.array([p.price for p in PRODUCTS])
assert np.all(np.diff(_P_CAT) >= 0), "PRODUCTS must be grouped by category"


def _category_cum() -> np.ndarray:
    # Product i of category c covers (c + F(i-1), c + F(i)] where F is the within-category
    # popularity CDF: searchsorted(P_CUM, c + u, "right") picks a product of category c.
    pop = np.array([p.popularity for p in PRODUCTS], dtype=float)
    cum = np.empty(len(PRODUCTS))
    for c in range(len(PRODUCT_CATEGORIES)):
        idx = np.flatnonzero(c == _P_CAT)
        f = np.cumsum(pop[idx]) / pop[idx].sum()
        f[-1] = 1.0
        cum[idx] = c + f
    return cum


P_CUM = _category_cum()
PROD_A, PROD_B = (_P_IDX[p] for p in CROSS_SELL_PAIR)
INT_PCAT = np.array([PRODUCT_CATEGORIES.index(i[2]) for i in INTERESTS])
INT_BCAT = np.array([BLOG_CATEGORIES.index(i[3]) for i in INTERESTS])

# Pages: kinds and the page table (url, title, category code, product index, kind).
_HOME, _CART, _LIST, PROD, _BLOGK = range(5)
_PAGES: list[tuple[str, str, int, int, int]] = [
    ("/", "Strona główna", -1, -1, _HOME),
    ("/cart", "Koszyk", -1, -1, _CART),
]
PAGE_LIST0 = len(_PAGES)
_PAGES += [(f"/c/{c}", _CATEGORY_TITLES[c], _CAT[c], -1, _LIST) for c in PRODUCT_CATEGORIES]
PAGE_PROD0 = len(_PAGES)
_PAGES += [(f"/p/{p.product_id}", p.name, _CAT[p.category], i, PROD) for i, p in enumerate(PRODUCTS)]
PAGE_BLOG0 = len(_PAGES)
BLOG_START = []
BLOG_COUNT = []
for _bc in BLOG_CATEGORIES:
    BLOG_START.append(len(_PAGES) - PAGE_BLOG0)
    BLOG_COUNT.append(len(_BLOG[_bc]))
    _PAGES += [(f"/blog/{_bc}/{slug}", title, _CAT[_bc], -1, _BLOGK) for slug, title in _BLOG[_bc]]
BLOG_START = np.array(BLOG_START)
BLOG_COUNT = np.array(BLOG_COUNT)
PAGE_URL = [p[0] for p in _PAGES]
PAGE_CAT = np.array([p[2] for p in _PAGES])
PAGE_PRODUCT = np.array([p[3] for p in _PAGES])
PAGE_KIND = np.array([p[4] for p in _PAGES])
NPAGES = len(_PAGES)

# Referrers: external ones (None = direct) then every page (navigation inside the site).
EXT_REF = (
    (None, 0.33),
    ("https://www.google.com/", 0.38),
    ("https://www.facebook.com/", 0.09),
    ("https://www.instagram.com/", 0.06),
    ("https://www.ceneo.pl/", 0.07),
    ("https://www.bing.com/", 0.03),
    ("https://duckduckgo.com/", 0.02),
    ("https://www.youtube.com/", 0.02),
)
NEXT = len(EXT_REF)


def page_view_properties() -> list[str]:
    refs = [json.dumps(r) for r, _ in EXT_REF] + [json.dumps(u) for u in PAGE_URL]
    titles = [json.dumps(p[1]) for p in _PAGES]
    # json.dumps({"referrer": r, "title": t}, sort_keys=True), for every (referrer, page)
    return [f'{{"referrer": {r}, "title": {t}}}' for r in refs for t in titles]


# --------------------------------------------------------------------------------------
# People: names, places, languages, phones, e-mail domains
# --------------------------------------------------------------------------------------

COUNTRIES = ("PL", "DE", "CZ", "UA", "GB", "SK")
COUNTRY_W = (0.93, 0.022, 0.012, 0.022, 0.008, 0.006)
PL, _DE, _CZ, UA, _GB, _SK = range(6)

_FEMALE = {
    PL: "Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Magdalena Elżbieta "
    "Joanna Aleksandra Monika Zofia Teresa Danuta Natalia Julia Karolina Marta Beata Dorota "
    "Halina Jadwiga Janina Alicja Paulina Justyna Iwona Zuzanna Hanna Maja Lena Oliwia "
    "Weronika Wiktoria Emilia Patrycja Kinga Agata",
    _DE: "Anna Lena Sophie Laura Julia Sarah Katharina Lisa Hannah Marie",
    _CZ: "Jana Eva Petra Lucie Tereza Hana Kateřina Lenka",
    UA: "Olena Oksana Iryna Nataliia Tetiana Yuliia Anastasiia Kateryna",
    _GB: "Olivia Emily Sophie Charlotte Amelia Jessica",
    _SK: "Mária Jana Zuzana Lucia Katarína Monika",
}
_MALE = {
    PL: "Piotr Krzysztof Andrzej Tomasz Paweł Jan Michał Marcin Jakub Adam Marek Łukasz "
    "Grzegorz Mateusz Wojciech Mariusz Dariusz Zbigniew Jerzy Maciej Rafał Kamil Robert "
    "Stanisław Józef Kacper Szymon Filip Bartosz Antoni Dawid Sebastian Przemysław Artur "
    "Damian Karol Daniel Adrian Ryszard Janusz",
    _DE: "Lukas Jonas Felix Maximilian Paul Leon Thomas Michael Stefan Alexander",
    _CZ: "Jan Petr Tomáš Martin Jakub Lukáš Pavel Jiří",
    UA: "Oleksandr Andrii Dmytro Serhii Volodymyr Mykola Yurii Ivan",
    _GB: "Oliver James Harry George Thomas William",
    _SK: "Peter Ján Martin Michal Tomáš Juraj",
}
# Surnames as "male/female" (one form when both are the same).
_SURNAMES = {
    PL: "Nowak Kowalski/Kowalska Wiśniewski/Wiśniewska Wójcik Kowalczyk Kamiński/Kamińska "
    "Lewandowski/Lewandowska Zieliński/Zielińska Szymański/Szymańska Woźniak "
    "Dąbrowski/Dąbrowska Kozłowski/Kozłowska Jankowski/Jankowska Mazur "
    "Wojciechowski/Wojciechowska Kwiatkowski/Kwiatkowska Krawczyk Kaczmarek "
    "Piotrowski/Piotrowska Grabowski/Grabowska Zając Pawłowski/Pawłowska Michalski/Michalska "
    "Król Wieczorek Jabłoński/Jabłońska Wróbel Nowakowski/Nowakowska Majewski/Majewska "
    "Olszewski/Olszewska Stępień Malinowski/Malinowska Jaworski/Jaworska Adamczyk Dudek "
    "Nowicki/Nowicka Pawlak Górski/Górska Witkowski/Witkowska Walczak Sikora Baran "
    "Rutkowski/Rutkowska Michalak Szewczyk Ostrowski/Ostrowska Tomaszewski/Tomaszewska "
    "Pietrzak Wróblewski/Wróblewska Marciniak Jasiński/Jasińska Zalewski/Zalewska "
    "Jakubowski/Jakubowska Zawadzki/Zawadzka Sadowski/Sadowska Duda Włodarczyk Wilk "
    "Chmielewski/Chmielewska Borkowski/Borkowska Sokołowski/Sokołowska "
    "Szczepański/Szczepańska Sawicki/Sawicka Lis Kucharski/Kucharska Kalinowski/Kalinowska "
    "Wysocki/Wysocka Mazurek Kubiak Kołodziej Czarnecki/Czarnecka Sobczak "
    "Konieczny/Konieczna Głowacki/Głowacka Zakrzewski/Zakrzewska Krajewski/Krajewska "
    "Wasilewski/Wasilewska Adamski/Adamska Sikorski/Sikorska Baranowski/Baranowska",
    _DE: "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann",
    _CZ: "Novák/Nováková Svoboda/Svobodová Novotný/Novotná Dvořák/Dvořáková Černý/Černá "
    "Procházka/Procházková Kučera/Kučerová Veselý/Veselá",
    UA: "Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Melnyk Boiko Oliinyk",
    _GB: "Smith Jones Taylor Brown Williams Wilson Johnson Davies",
    _SK: "Horváth/Horváthová Kováč/Kováčová Varga/Vargová Tóth/Tóthová Nagy/Nagyová",
}
_CITIES = {
    PL: (
        ("Warszawa", 1862),
        ("Kraków", 804),
        ("Wrocław", 674),
        ("Łódź", 658),
        ("Poznań", 541),
        ("Gdańsk", 486),
        ("Szczecin", 391),
        ("Lublin", 334),
        ("Bydgoszcz", 330),
        ("Białystok", 294),
        ("Katowice", 286),
        ("Gdynia", 243),
        ("Częstochowa", 208),
        ("Radom", 198),
        ("Rzeszów", 198),
        ("Toruń", 196),
        ("Sosnowiec", 193),
        ("Kielce", 187),
        ("Gliwice", 175),
        ("Olsztyn", 170),
        ("Bielsko-Biała", 168),
        ("Bytom", 162),
        ("Zabrze", 156),
        ("Zielona Góra", 139),
        ("Rybnik", 134),
        ("Ruda Śląska", 133),
        ("Opole", 127),
        ("Tychy", 125),
        ("Gorzów Wielkopolski", 120),
        ("Elbląg", 117),
        ("Płock", 116),
        ("Wałbrzych", 109),
        ("Włocławek", 107),
        ("Tarnów", 107),
        ("Chorzów", 106),
        ("Koszalin", 105),
        ("Kalisz", 99),
        ("Legnica", 98),
        ("Sopot", 35),
        ("Zakopane", 27),
    ),
    _DE: (
        ("Berlin", 37),
        ("Hamburg", 19),
        ("München", 15),
        ("Köln", 11),
        ("Frankfurt am Main", 8),
        ("Leipzig", 6),
        ("Dresden", 6),
    ),
    _CZ: (("Praha", 13), ("Brno", 4), ("Ostrava", 3)),
    UA: (("Kyiv", 30), ("Lviv", 7), ("Kharkiv", 14), ("Odesa", 10)),
    _GB: (("London", 9), ("Manchester", 1), ("Birmingham", 1)),
    _SK: (("Bratislava", 5), ("Košice", 2)),
}
LANGUAGES = ("pl", "en", "uk", "de", "cs", "sk")
# Language distribution by country; the last row is Ukrainians living in Poland.
LANG_W = {
    PL: (0.975, 0.02, 0.005, 0, 0, 0),
    _DE: (0.05, 0.10, 0, 0.85, 0, 0),
    _CZ: (0.03, 0.05, 0, 0, 0.92, 0),
    UA: (0.10, 0.05, 0.85, 0, 0, 0),
    _GB: (0.05, 0.95, 0, 0, 0, 0),
    _SK: (0.02, 0.03, 0, 0, 0.10, 0.85),
    "ua_in_pl": (0.35, 0.05, 0.60, 0, 0, 0),
}
PHONE_PREFIX = ("+48", "+491", "+420", "+380", "+447", "+421")
PHONE_FIRST = ((5, 6, 7, 8), (5, 6, 7), (6, 7), (5, 6, 9), (4, 5, 7, 8, 9), (9,))
EMAIL_DOMAINS = (
    "gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "op.pl", "outlook.com",
    "icloud.com", "yahoo.com", "gmx.de", "web.de", "seznam.cz", "ukr.net", "hotmail.co.uk",
    "azet.sk",
)  # fmt: skip
DOMAIN_W = {
    PL: (0.32, 0.18, 0.12, 0.10, 0.10, 0.05, 0.06, 0.04, 0.03, 0, 0, 0, 0, 0, 0),
    _DE: (0.40, 0, 0, 0, 0, 0, 0.10, 0.05, 0.05, 0.22, 0.18, 0, 0, 0, 0),
    _CZ: (0.45, 0, 0, 0, 0, 0, 0.05, 0.05, 0, 0, 0, 0.45, 0, 0, 0),
    UA: (0.55, 0.05, 0, 0, 0, 0, 0.05, 0.05, 0, 0, 0, 0, 0.30, 0, 0),
    _GB: (0.45, 0, 0, 0, 0, 0, 0.15, 0.15, 0.05, 0, 0, 0, 0, 0.20, 0),
    _SK: (0.45, 0, 0, 0, 0, 0, 0.05, 0.05, 0, 0, 0, 0.10, 0, 0, 0.35),
}
GENDERS = ("female", "male", "other")
STATUSES = ("lead", "customer", "vip")
TAGS = ("newsletter", "b2b", "loyalty", "promo", "marketplace")
TIERS = ("none", "bronze", "silver", "gold")
TIER_THRESHOLDS = (1500.0, 4000.0)  # cumulative PLN spend for silver and gold

HOUR_W = np.array(
    [0.8, 0.45, 0.3, 0.2, 0.2, 0.35, 0.9, 2.0, 3.2, 3.9, 4.2, 4.3,
     4.6, 4.4, 4.2, 4.3, 4.6, 5.0, 5.6, 6.4, 7.0, 6.6, 4.6, 2.2]
)  # fmt: skip
STORE_HOUR_W = np.array([0] * 9 + [2, 3, 4, 5, 5, 5, 6, 7, 8, 7, 5] + [0] * 4, dtype=float)


def _ascii(s: str) -> str:
    s = s.replace("ł", "l").replace("Ł", "L")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(ch for ch in s.lower() if ch.isalnum())


def cdf_of(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    c = np.cumsum(w) / w.sum()
    c[-1] = 1.0
    return c


def _zipf(n: int, a: float = 0.7) -> np.ndarray:
    return 1.0 / np.arange(1, n + 1) ** a


@dataclass(frozen=True)
class _Names:
    first: list[str]
    first_ascii: list[str]
    last: list[str]
    last_ascii: list[str]
    # per origin country: (codes, cdf) of female and male first names, surname cdf and the
    # male and female surname codes
    by_origin: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def _build_names() -> _Names:
    first: list[str] = []
    last: list[str] = []
    by_origin = {}
    for o in _FEMALE:
        fem = _FEMALE[o].split()
        mal = _MALE[o].split()
        f_codes = np.arange(len(first), len(first) + len(fem))
        first += fem
        m_codes = np.arange(len(first), len(first) + len(mal))
        first += mal
        sur = [s.split("/") for s in _SURNAMES[o].split()]
        male_forms = [s[0] for s in sur]
        female_forms = [s[-1] for s in sur]
        sm = np.arange(len(last), len(last) + len(sur))
        last += male_forms
        sf = np.arange(len(last), len(last) + len(sur))
        last += female_forms
        by_origin[o] = (
            f_codes, cdf_of(_zipf(len(fem))), m_codes, cdf_of(_zipf(len(mal))),
            cdf_of(_zipf(len(sur), 0.8)), sm, sf,
        )  # fmt: skip
    return _Names(first, [_ascii(x) for x in first], last, [_ascii(x) for x in last], by_origin)


NAMES = _build_names()
CITY_VOCAB: list[str] = []
CITY_BY_COUNTRY: dict[int, tuple[np.ndarray, np.ndarray]] = {}
for _c, _rows in _CITIES.items():
    _codes = np.arange(len(CITY_VOCAB), len(CITY_VOCAB) + len(_rows))
    CITY_VOCAB += [r[0] for r in _rows]
    CITY_BY_COUNTRY[_c] = (_codes, cdf_of([r[1] for r in _rows]))

# --------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------

EVENT_NAMES = (
    "page_view", "email_sent", "email_open", "email_click", "sms_sent", "sms_click",
    "push_sent", "push_open", "bounce", "unsubscribe", "purchase", "add_to_cart", "app_open",
    "loyalty_status_change",
)  # fmt: skip
(
    E_PV, E_EMAIL_SENT, E_EMAIL_OPEN, E_EMAIL_CLICK, E_SMS_SENT, E_SMS_CLICK,
    E_PUSH_SENT, E_PUSH_OPEN, E_BOUNCE, E_UNSUB, E_PURCHASE, E_ADD, E_APP_OPEN,
    E_LOYALTY,
) = range(len(EVENT_NAMES))  # fmt: skip
SOURCES = ("web", "messaging", "custom")
SOURCE_OF = np.array([0] + [1] * 9 + [2] * 4)
CHANNELS = ("email", "sms", "push")
CH_EMAIL, CH_SMS, CH_PUSH = range(3)

# Monthly themes: slug, product category featured by the campaign (None: whole shop),
# channels, day of the month, e-mail subject / push title.
_THEMES = {
    1: ("winter_sale", "clothing", "esp", 8, "Zimowa wyprzedaż do -50%"),
    2: ("valentines", "beauty", "ep", 9, "Walentynki: prezenty dla ukochanej osoby"),
    3: ("spring_running", "sport", "ep", 14, "Wiosna biegowa: nowe buty do biegania"),
    4: ("easter", "kitchen", "es", 1, "Wielkanoc w kuchni: przepisy i promocje"),
    5: ("garden_season", "home_garden", "ep", 9, "Sezon ogrodowy startuje!"),
    6: ("summer_sale", None, "esp", 24, "Letnia wyprzedaż -30%"),
    7: ("holiday_travel", "electronics", "e", 4, "Elektronika na wakacje"),
    8: ("back_to_school", "electronics", "ep", 24, "Powrót do szkoły: laptopy i akcesoria"),
    9: ("autumn_collection", "clothing", "e", 11, "Nowa kolekcja jesienna"),
    10: ("tech_week", "electronics", "ep", 13, "Tydzień technologii: rabaty na elektronikę"),
    11: ("black_friday", None, "esp", 0, "Black Friday: do -70% na wszystko!"),
    12: ("christmas", None, "esp", 5, "Prezenty na święta – dostawa przed Wigilią"),
}
_MONTHS_PL = (
    "styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień",
    "wrzesień", "październik", "listopad", "grudzień",
)  # fmt: skip
NEWSLETTER, _THEMED, FLASH = range(3)


@dataclass(frozen=True)
class Campaign:
    """One send of a campaign on one channel (a campaign id can go out on several)."""

    campaign_id: str
    channel: str
    sent_at: datetime
    kind: str  # "newsletter" | "themed" | "flash"
    category: str | None  # product category featured, None for the whole shop / the blog
    subject: str


def utc(t: datetime) -> datetime:
    """``t`` in UTC; a naive ``t`` is taken to be UTC already."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _black_friday(year: int) -> date:
    nov1 = date(year, 11, 1)
    first_thursday = nov1 + timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def campaigns(as_of: datetime = SAMPLE_AS_OF) -> list[Campaign]:
    """The campaign sends of the 12 months up to ``as_of`` (sent strictly before it)."""
    as_of = utc(as_of)
    out: list[Campaign] = []
    y, m = as_of.year, as_of.month
    months = []
    for _ in range(12):
        months.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    for y, m in reversed(months):

        def at(day: int, hour: int, y=y, m=m) -> datetime:
            return datetime(y, m, day, hour, tzinfo=UTC)

        out.append(
            Campaign(
                f"cmp_{y}_{m:02d}_newsletter",
                "email",
                at(6, 8),
                "newsletter",
                None,
                f"Newsletter: {_MONTHS_PL[m - 1]} {y}",
            )
        )
        slug, cat, chans, day, subject = _THEMES[m]
        day = day or _black_friday(y).day
        for ch in chans:
            hour = {"e": 7, "s": 10, "p": 17}[ch]
            out.append(
                Campaign(
                    f"cmp_{y}_{m:02d}_{slug}",
                    {"e": "email", "s": "sms", "p": "push"}[ch],
                    at(day, hour),
                    "themed",
                    cat,
                    subject,
                )
            )
        if m == 11:
            cyber = _black_friday(y) + timedelta(days=3)
            for ch, hour in (("email", 7), ("push", 8)):
                out.append(
                    Campaign(
                        f"cmp_{y}_11_cyber_monday",
                        ch,
                        datetime.combine(cyber, time(hour), UTC),  # may fall on 1-2 December
                        "themed",
                        None,
                        "Cyber Monday: ostatnia szansa na rabaty",
                    )
                )
        out.append(
            Campaign(
                f"cmp_{y}_{m:02d}_app_flash", "push", at(20, 18), "flash", None, "Flash sale tylko w aplikacji – 24h"
            )
        )
    out = [c for c in out if c.sent_at < as_of]
    out.sort(key=lambda c: (c.sent_at, c.campaign_id, c.channel))
    return out


CAT_OF_PRODUCT = np.array([_CAT[p.category] for p in PRODUCTS])
