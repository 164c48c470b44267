"""Deterministic sample data: contacts, events and identities of a Polish online shop.

The shop sells sport (running), kitchen, electronics, clothing, home & garden and beauty
products for PLN, runs a blog (running, cooking, tech, fashion, garden), a mobile app,
brick-and-mortar stores (POS) and a loyalty programme, and sends email, SMS and push
campaigns. ``generate`` yields pyarrow tables whose schemas are exactly those of
``workbench/store/schema.py`` (SEGMENT_SPEC §1); ``write_parquet`` writes them as part files.

Everything is vectorised with numpy and built in batches of contacts. Each batch draws from
its own ``PCG64`` streams seeded from ``(seed, batch index, stream)``, so a batch depends only
on the seed, ``as_of``, its index and ``batch_contacts``: the same arguments give
byte-identical tables. Ids are unique across batches (event ids embed the batch index;
anonymous and cart ids come from a bijective mix of (kind, batch, counter)).

Shape of the data (all instants are ``<= as_of``):

- contacts ``c_0000001`` … created over the two years before ``as_of`` with a steady trickle
  of recent sign-ups; about a fifth of them "churned" (no own activity after some day).
- web ``page_view`` sessions on two devices per contact (``anonymous_id``); page views before
  a device is linked carry no ``contact_id`` (identity stitching), plus never-identified
  visitors. ``identities`` holds one link per identified device (its first identified view).
- ``messaging`` sends for monthly campaigns (``cmp_YYYY_MM_<slug>``) to contacts with the
  address and consent for the channel; opens, clicks (each click starts a web session),
  bounces and unsubscribes (which clear ``email_consent``).
- ``custom`` ``add_to_cart`` during product views, ``purchase`` of most carts within minutes
  or hours (some abandoned, some still open at ``as_of``), POS purchases, ``app_open`` and
  ``loyalty_status_change``; ``status`` and the ``loyalty`` tag follow the purchases.
"""

from __future__ import annotations

import json
import math
import queue
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from workbench.store.schema import CONTACTS, EVENTS, IDENTITIES

__all__ = [
    "BLOG_CATEGORIES",
    "CROSS_SELL_PAIR",
    "PRODUCTS",
    "PRODUCT_CATEGORIES",
    "SAMPLE_AS_OF",
    "Campaign",
    "Product",
    "campaigns",
    "generate",
    "write_parquet",
]

SAMPLE_AS_OF = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
"""The default evaluation instant of the sample data (Cyber Monday 2026, noon UTC)."""

CROSS_SELL_PAIR = ("p_shoe_run_01", "p_socks_run_01")
"""(product A, product B): the running shoe and the socks often bought with it."""

_SEC = 1_000_000
_MIN = 60 * _SEC
_HOUR = 60 * _MIN
_DAY = 24 * _HOUR
_NEVER = np.iinfo(np.int64).max
_LOCAL = _HOUR  # Polish local time is taken as UTC+1 for daily rhythms

TS = pa.timestamp("us", tz="UTC")

# The canonical tables' own schemas (SPEC §1), as the store keeps them.
CONTACTS_SCHEMA = CONTACTS.to_pyarrow()
EVENTS_SCHEMA = EVENTS.to_pyarrow()
IDENTITIES_SCHEMA = IDENTITIES.to_pyarrow()
SCHEMAS = {"contacts": CONTACTS_SCHEMA, "events": EVENTS_SCHEMA, "identities": IDENTITIES_SCHEMA}

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
_INTERESTS = (
    ("running", 0.22, "sport", "running"),
    ("cooking", 0.22, "kitchen", "cooking"),
    ("tech", 0.22, "electronics", "tech"),
    ("fashion", 0.22, "clothing", "fashion"),
    ("garden", 0.12, "home_garden", "garden"),
)

_CATEGORIES = PRODUCT_CATEGORIES + BLOG_CATEGORIES  # the values of events.category
_CAT = {c: i for i, c in enumerate(_CATEGORIES)}

_P_IDS = [p.product_id for p in PRODUCTS]
_P_IDX = {p: i for i, p in enumerate(_P_IDS)}
_P_CAT = np.array([PRODUCT_CATEGORIES.index(p.category) for p in PRODUCTS])
_P_PRICE = np.array([p.price for p in PRODUCTS])
assert np.all(np.diff(_P_CAT) >= 0), "PRODUCTS must be grouped by category"


def _category_cum() -> np.ndarray:
    # Product i of category c covers (c + F(i-1), c + F(i)] where F is the within-category
    # popularity CDF: searchsorted(_P_CUM, c + u, "right") picks a product of category c.
    pop = np.array([p.popularity for p in PRODUCTS], dtype=float)
    cum = np.empty(len(PRODUCTS))
    for c in range(len(PRODUCT_CATEGORIES)):
        idx = np.flatnonzero(c == _P_CAT)
        f = np.cumsum(pop[idx]) / pop[idx].sum()
        f[-1] = 1.0
        cum[idx] = c + f
    return cum


_P_CUM = _category_cum()
_PROD_A, _PROD_B = (_P_IDX[p] for p in CROSS_SELL_PAIR)
_INT_PCAT = np.array([PRODUCT_CATEGORIES.index(i[2]) for i in _INTERESTS])
_INT_BCAT = np.array([BLOG_CATEGORIES.index(i[3]) for i in _INTERESTS])

# Pages: kinds and the page table (url, title, category code, product index, kind).
_HOME, _CART, _LIST, _PROD, _BLOGK = range(5)
_PAGES: list[tuple[str, str, int, int, int]] = [
    ("/", "Strona główna", -1, -1, _HOME),
    ("/cart", "Koszyk", -1, -1, _CART),
]
_PAGE_LIST0 = len(_PAGES)
_PAGES += [(f"/c/{c}", _CATEGORY_TITLES[c], _CAT[c], -1, _LIST) for c in PRODUCT_CATEGORIES]
_PAGE_PROD0 = len(_PAGES)
_PAGES += [(f"/p/{p.product_id}", p.name, _CAT[p.category], i, _PROD) for i, p in enumerate(PRODUCTS)]
_PAGE_BLOG0 = len(_PAGES)
_BLOG_START = []
_BLOG_COUNT = []
for _bc in BLOG_CATEGORIES:
    _BLOG_START.append(len(_PAGES) - _PAGE_BLOG0)
    _BLOG_COUNT.append(len(_BLOG[_bc]))
    _PAGES += [(f"/blog/{_bc}/{slug}", title, _CAT[_bc], -1, _BLOGK) for slug, title in _BLOG[_bc]]
_BLOG_START = np.array(_BLOG_START)
_BLOG_COUNT = np.array(_BLOG_COUNT)
_PAGE_URL = [p[0] for p in _PAGES]
_PAGE_CAT = np.array([p[2] for p in _PAGES])
_PAGE_PRODUCT = np.array([p[3] for p in _PAGES])
_PAGE_KIND = np.array([p[4] for p in _PAGES])
_NPAGES = len(_PAGES)

# Referrers: external ones (None = direct) then every page (navigation inside the site).
_EXT_REF = (
    (None, 0.33),
    ("https://www.google.com/", 0.38),
    ("https://www.facebook.com/", 0.09),
    ("https://www.instagram.com/", 0.06),
    ("https://www.ceneo.pl/", 0.07),
    ("https://www.bing.com/", 0.03),
    ("https://duckduckgo.com/", 0.02),
    ("https://www.youtube.com/", 0.02),
)
_NEXT = len(_EXT_REF)


def _page_view_properties() -> list[str]:
    refs = [json.dumps(r) for r, _ in _EXT_REF] + [json.dumps(u) for u in _PAGE_URL]
    titles = [json.dumps(p[1]) for p in _PAGES]
    # json.dumps({"referrer": r, "title": t}, sort_keys=True), for every (referrer, page)
    return [f'{{"referrer": {r}, "title": {t}}}' for r in refs for t in titles]


# --------------------------------------------------------------------------------------
# People: names, places, languages, phones, e-mail domains
# --------------------------------------------------------------------------------------

_COUNTRIES = ("PL", "DE", "CZ", "UA", "GB", "SK")
_COUNTRY_W = (0.93, 0.022, 0.012, 0.022, 0.008, 0.006)
_PL, _DE, _CZ, _UA, _GB, _SK = range(6)

_FEMALE = {
    _PL: "Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Magdalena Elżbieta "
    "Joanna Aleksandra Monika Zofia Teresa Danuta Natalia Julia Karolina Marta Beata Dorota "
    "Halina Jadwiga Janina Alicja Paulina Justyna Iwona Zuzanna Hanna Maja Lena Oliwia "
    "Weronika Wiktoria Emilia Patrycja Kinga Agata",
    _DE: "Anna Lena Sophie Laura Julia Sarah Katharina Lisa Hannah Marie",
    _CZ: "Jana Eva Petra Lucie Tereza Hana Kateřina Lenka",
    _UA: "Olena Oksana Iryna Nataliia Tetiana Yuliia Anastasiia Kateryna",
    _GB: "Olivia Emily Sophie Charlotte Amelia Jessica",
    _SK: "Mária Jana Zuzana Lucia Katarína Monika",
}
_MALE = {
    _PL: "Piotr Krzysztof Andrzej Tomasz Paweł Jan Michał Marcin Jakub Adam Marek Łukasz "
    "Grzegorz Mateusz Wojciech Mariusz Dariusz Zbigniew Jerzy Maciej Rafał Kamil Robert "
    "Stanisław Józef Kacper Szymon Filip Bartosz Antoni Dawid Sebastian Przemysław Artur "
    "Damian Karol Daniel Adrian Ryszard Janusz",
    _DE: "Lukas Jonas Felix Maximilian Paul Leon Thomas Michael Stefan Alexander",
    _CZ: "Jan Petr Tomáš Martin Jakub Lukáš Pavel Jiří",
    _UA: "Oleksandr Andrii Dmytro Serhii Volodymyr Mykola Yurii Ivan",
    _GB: "Oliver James Harry George Thomas William",
    _SK: "Peter Ján Martin Michal Tomáš Juraj",
}
# Surnames as "male/female" (one form when both are the same).
_SURNAMES = {
    _PL: "Nowak Kowalski/Kowalska Wiśniewski/Wiśniewska Wójcik Kowalczyk Kamiński/Kamińska "
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
    _UA: "Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Melnyk Boiko Oliinyk",
    _GB: "Smith Jones Taylor Brown Williams Wilson Johnson Davies",
    _SK: "Horváth/Horváthová Kováč/Kováčová Varga/Vargová Tóth/Tóthová Nagy/Nagyová",
}
_CITIES = {
    _PL: (
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
    _UA: (("Kyiv", 30), ("Lviv", 7), ("Kharkiv", 14), ("Odesa", 10)),
    _GB: (("London", 9), ("Manchester", 1), ("Birmingham", 1)),
    _SK: (("Bratislava", 5), ("Košice", 2)),
}
_LANGUAGES = ("pl", "en", "uk", "de", "cs", "sk")
# Language distribution by country; the last row is Ukrainians living in Poland.
_LANG_W = {
    _PL: (0.975, 0.02, 0.005, 0, 0, 0),
    _DE: (0.05, 0.10, 0, 0.85, 0, 0),
    _CZ: (0.03, 0.05, 0, 0, 0.92, 0),
    _UA: (0.10, 0.05, 0.85, 0, 0, 0),
    _GB: (0.05, 0.95, 0, 0, 0, 0),
    _SK: (0.02, 0.03, 0, 0, 0.10, 0.85),
    "ua_in_pl": (0.35, 0.05, 0.60, 0, 0, 0),
}
_PHONE_PREFIX = ("+48", "+491", "+420", "+380", "+447", "+421")
_PHONE_FIRST = ((5, 6, 7, 8), (5, 6, 7), (6, 7), (5, 6, 9), (4, 5, 7, 8, 9), (9,))
_EMAIL_DOMAINS = (
    "gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "op.pl", "outlook.com",
    "icloud.com", "yahoo.com", "gmx.de", "web.de", "seznam.cz", "ukr.net", "hotmail.co.uk",
    "azet.sk",
)  # fmt: skip
_DOMAIN_W = {
    _PL: (0.32, 0.18, 0.12, 0.10, 0.10, 0.05, 0.06, 0.04, 0.03, 0, 0, 0, 0, 0, 0),
    _DE: (0.40, 0, 0, 0, 0, 0, 0.10, 0.05, 0.05, 0.22, 0.18, 0, 0, 0, 0),
    _CZ: (0.45, 0, 0, 0, 0, 0, 0.05, 0.05, 0, 0, 0, 0.45, 0, 0, 0),
    _UA: (0.55, 0.05, 0, 0, 0, 0, 0.05, 0.05, 0, 0, 0, 0, 0.30, 0, 0),
    _GB: (0.45, 0, 0, 0, 0, 0, 0.15, 0.15, 0.05, 0, 0, 0, 0, 0.20, 0),
    _SK: (0.45, 0, 0, 0, 0, 0, 0.05, 0.05, 0, 0, 0, 0.10, 0, 0, 0.35),
}
_GENDERS = ("female", "male", "other")
_STATUSES = ("lead", "customer", "vip")
_TAGS = ("newsletter", "b2b", "loyalty", "promo", "marketplace")
_TIERS = ("none", "bronze", "silver", "gold")
_TIER_THRESHOLDS = (1500.0, 4000.0)  # cumulative PLN spend for silver and gold

_HOUR_W = np.array(
    [0.8, 0.45, 0.3, 0.2, 0.2, 0.35, 0.9, 2.0, 3.2, 3.9, 4.2, 4.3,
     4.6, 4.4, 4.2, 4.3, 4.6, 5.0, 5.6, 6.4, 7.0, 6.6, 4.6, 2.2]
)  # fmt: skip
_STORE_HOUR_W = np.array([0] * 9 + [2, 3, 4, 5, 5, 5, 6, 7, 8, 7, 5] + [0] * 4, dtype=float)


def _ascii(s: str) -> str:
    s = s.replace("ł", "l").replace("Ł", "L")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(ch for ch in s.lower() if ch.isalnum())


def _cdf(weights) -> np.ndarray:
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
            f_codes, _cdf(_zipf(len(fem))), m_codes, _cdf(_zipf(len(mal))),
            _cdf(_zipf(len(sur), 0.8)), sm, sf,
        )  # fmt: skip
    return _Names(first, [_ascii(x) for x in first], last, [_ascii(x) for x in last], by_origin)


_NAMES = _build_names()
_CITY_VOCAB: list[str] = []
_CITY_BY_COUNTRY: dict[int, tuple[np.ndarray, np.ndarray]] = {}
for _c, _rows in _CITIES.items():
    _codes = np.arange(len(_CITY_VOCAB), len(_CITY_VOCAB) + len(_rows))
    _CITY_VOCAB += [r[0] for r in _rows]
    _CITY_BY_COUNTRY[_c] = (_codes, _cdf([r[1] for r in _rows]))

# --------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------

_EVENT_NAMES = (
    "page_view", "email_sent", "email_open", "email_click", "sms_sent", "sms_click",
    "push_sent", "push_open", "bounce", "unsubscribe", "purchase", "add_to_cart", "app_open",
    "loyalty_status_change",
)  # fmt: skip
(
    _E_PV, _E_EMAIL_SENT, _E_EMAIL_OPEN, _E_EMAIL_CLICK, _E_SMS_SENT, _E_SMS_CLICK,
    _E_PUSH_SENT, _E_PUSH_OPEN, _E_BOUNCE, _E_UNSUB, _E_PURCHASE, _E_ADD, _E_APP_OPEN,
    _E_LOYALTY,
) = range(len(_EVENT_NAMES))  # fmt: skip
_SOURCES = ("web", "messaging", "custom")
_SOURCE_OF = np.array([0] + [1] * 9 + [2] * 4)
_CHANNELS = ("email", "sms", "push")
_CH_EMAIL, _CH_SMS, _CH_PUSH = range(3)

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
_NEWSLETTER, _THEMED, _FLASH = range(3)


@dataclass(frozen=True)
class Campaign:
    """One send of a campaign on one channel (a campaign id can go out on several)."""

    campaign_id: str
    channel: str
    sent_at: datetime
    kind: str  # "newsletter" | "themed" | "flash"
    category: str | None  # product category featured, None for the whole shop / the blog
    subject: str


def _black_friday(year: int) -> date:
    nov1 = date(year, 11, 1)
    first_thursday = nov1 + timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def campaigns(as_of: datetime = SAMPLE_AS_OF) -> list[Campaign]:
    """The campaign sends of the 12 months up to ``as_of`` (sent strictly before it)."""
    as_of = _utc(as_of)
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


# --------------------------------------------------------------------------------------
# Vectorised helpers
# --------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _to_us(t: datetime) -> int:
    d = _utc(t) - _EPOCH
    return (d.days * 86_400 + d.seconds) * _SEC + d.microseconds


def _draw(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(cdf) - 1)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 that looks random."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _fixed(prefix: str, body: np.ndarray) -> pa.Array:
    """Strings ``prefix + row`` from an (n, w) matrix of ASCII codes."""
    n = body.shape[0]
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    chars = np.empty((n, len(pre) + body.shape[1]), dtype=np.uint8)
    chars[:, : len(pre)] = pre
    chars[:, len(pre) :] = body
    offsets = np.arange(n + 1, dtype=np.int32) * chars.shape[1]
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))


_DIGITS4 = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8)


def _digits(x: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, as an (n, width) ASCII matrix."""
    blocks = -(-width // 4)
    x = x.astype(np.uint64)
    out = np.empty((len(x), 4 * blocks), dtype=np.uint8)
    for b in range(blocks - 1, -1, -1):  # four digits at a time, from the right
        q = x // np.uint64(10_000)
        out[:, 4 * b : 4 * b + 4] = _DIGITS4[x - q * np.uint64(10_000)]
        x = q
    return out[:, 4 * blocks - width :]


def _hex(x: np.ndarray) -> np.ndarray:
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    return _HEX[(x.astype(np.uint64)[:, None] >> shifts) & np.uint64(15)]


def _take(vocab: pa.Array, codes: np.ndarray) -> pa.Array:
    codes = np.asarray(codes, dtype=np.int64)
    neg = codes < 0
    idx = pa.array(codes, mask=neg) if neg.any() else pa.array(codes)
    return vocab.take(idx)


def _floats(x: np.ndarray) -> pa.Array:
    nan = np.isnan(x)
    return pa.array(x, type=pa.float64(), mask=nan if nan.any() else None)


def _amounts(x: np.ndarray) -> pa.Array:
    """Amounts (already whole grosze) as the store's exact decimals."""
    return pc.cast(_floats(x), EVENTS_SCHEMA.field("amount").type, safe=False)


def _ts(x: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(x, dtype=np.int64), type=TS)


def _join(*parts) -> pa.Array:
    parts = [pa.scalar(p) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*parts, "")


def _ranks(keys: np.ndarray) -> np.ndarray:
    """Position of each row within its run of equal (sorted) keys."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.r_[True, keys[1:] != keys[:-1]]
    starts = np.flatnonzero(new)
    return np.arange(len(keys)) - starts[np.cumsum(new) - 1]


def _within(sizes: np.ndarray) -> np.ndarray:
    """Position inside each group for ``np.repeat(groups, sizes)``."""
    ends = np.cumsum(sizes)
    return np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - sizes, sizes)


def _recent(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, tau_days: float) -> np.ndarray:
    """Instants in [a, b] with a density growing as exp(t / tau) (busier recently)."""
    tau = tau_days * _DAY
    span = np.maximum(b - a, 0).astype(float)
    u = rng.random(len(a))
    off = tau * np.log(u + (1.0 - u) * np.exp(-span / tau))
    return np.clip(b + np.round(off).astype(np.int64), a, b)


def _diurnal(rng: np.random.Generator, t: np.ndarray, lo, hi, cdf: np.ndarray | None = None) -> np.ndarray:
    """Moves each instant to a local hour of the same day drawn from a daily rhythm."""
    n = len(t)
    hour = _draw(rng, _cdf(_HOUR_W) if cdf is None else cdf, n)
    day = (t + _LOCAL) // _DAY
    new = day * _DAY - _LOCAL + hour * _HOUR + rng.integers(0, _HOUR, n)
    new = np.where(new > hi, new - _DAY, new)
    return np.where((new < lo) | (new > hi), t, new)


def _lognormal_us(rng: np.random.Generator, median_s: float, sigma: float, n: int, cap_s: float) -> np.ndarray:
    return (np.minimum(rng.lognormal(math.log(median_s), sigma, n), cap_s) * _SEC).astype(np.int64)


def _pick_product(rng: np.random.Generator, cat: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(_P_CUM, cat + rng.random(len(cat)), side="right")
    return np.minimum(idx, len(PRODUCTS) - 1)


# --------------------------------------------------------------------------------------
# Per-run context (vocabularies as arrow arrays, campaigns, app versions)
# --------------------------------------------------------------------------------------


class _Context:
    def __init__(self, seed: int, as_of: datetime, total: int):
        self.seed = seed
        self.as_of = _to_us(as_of)
        self.as_of_day = self.as_of // _DAY
        self.salt = int(_mix64(np.array([seed], dtype=np.uint64))[0])
        self.id_width = max(7, len(str(total)))
        s = pa.string()
        self.v_names = pa.array(_EVENT_NAMES, s)
        self.v_sources = pa.array(_SOURCES, s)
        self.v_urls = pa.array(_PAGE_URL, s)
        self.v_cats = pa.array(_CATEGORIES, s)
        self.v_products = pa.array(_P_IDS, s)
        self.v_channels = pa.array(_CHANNELS, s)
        self.v_pv_props = pa.array(_page_view_properties(), s)
        self.v_first = pa.array(_NAMES.first, s)
        self.v_last = pa.array(_NAMES.last, s)
        self.v_first_ascii = pa.array([*_NAMES.first_ascii, "klient"], s)
        self.v_last_ascii = pa.array([*_NAMES.last_ascii, ""], s)
        self.v_cities = pa.array(_CITY_VOCAB, s)
        self.v_countries = pa.array(_COUNTRIES, s)
        self.v_languages = pa.array(_LANGUAGES, s)
        self.v_genders = pa.array(_GENDERS, s)
        self.v_statuses = pa.array(_STATUSES, s)
        self.v_tags = pa.array(_TAGS, s)
        self.v_domains = pa.array(_EMAIL_DOMAINS, s)
        self.v_phone_prefix = pa.array(_PHONE_PREFIX, s)
        self.v_loyalty_props = pa.array(
            [json.dumps({"from": _TIERS[i], "to": _TIERS[i + 1]}, sort_keys=True) for i in range(3)], s
        )
        self.v_bounce_props = pa.array([json.dumps({"type": t}) for t in ("hard", "soft")], s)

        camps = campaigns(as_of)
        ids = sorted({c.campaign_id for c in camps})
        self.v_campaigns = pa.array(ids, s)
        self.c_id = np.array([ids.index(c.campaign_id) for c in camps], dtype=np.int64)
        self.c_channel = np.array([_CHANNELS.index(c.channel) for c in camps])
        self.c_send = np.array([_to_us(c.sent_at) for c in camps], dtype=np.int64)
        self.c_kind = np.array([("newsletter", "themed", "flash").index(c.kind) for c in camps])
        self.c_cat = np.array([PRODUCT_CATEGORIES.index(c.category) if c.category else -1 for c in camps])
        self.c_boost = np.array([1.4 if "black_friday" in c.campaign_id or "cyber" in c.campaign_id
                                 else 1.0 for c in camps])  # fmt: skip
        # email_sent carries {"subject"}, push_sent {"title"}; indexed by campaign send.
        self.v_sent_props = pa.array(
            [json.dumps({"subject" if c.channel == "email" else "title": c.subject}) for c in camps], s
        )

        # App releases every three weeks; (version, platform) properties of app_open.
        k = 36
        self.releases = self.as_of - 10 * _DAY - (k - 1 - np.arange(k)) * 21 * _DAY
        versions = [f"{4 + i // 12}.{i % 12}.{(i * 7) % 3}" for i in range(k)]
        self.v_app_props = pa.array(
            [
                json.dumps({"app_version": v, "platform": p}, sort_keys=True)
                for v in versions
                for p in ("ios", "android")
            ],
            s,
        )

    def uid(self, kind: int, batch: int, idx: np.ndarray) -> np.ndarray:
        """Unique, random-looking uint64 per (kind, batch, idx) for this seed."""
        key = (np.uint64(kind) << np.uint64(56)) | (np.uint64(batch) << np.uint64(32)) | idx.astype(np.uint64)
        return _mix64(key ^ np.uint64(self.salt))


# --------------------------------------------------------------------------------------
# One batch
# --------------------------------------------------------------------------------------


class _EventParts:
    """Accumulates event columns as codes; ``-1`` / NaN mean null."""

    _CODES = ("contact", "anon", "url", "category", "product", "campaign", "channel")
    _FLOATS = ("amount", "duration", "quantity")

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, name: int, ts: np.ndarray, props: pa.Array | None = None, codes=None, **cols) -> None:
        """Adds events; ``props`` are their JSON properties, or a vocabulary indexed by ``codes``."""
        n = len(ts)
        part = {"name": np.full(n, name, dtype=np.int8), "ts": np.asarray(ts, dtype=np.int64)}
        for c in self._CODES:
            v = cols.pop(c, -1)
            part[c] = np.broadcast_to(np.asarray(v, dtype=np.int64), (n,))
        for c in self._FLOATS:
            v = cols.pop(c, np.nan)
            part[c] = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))
        if cols:
            raise TypeError(f"unknown event columns {sorted(cols)}")
        if props is None:
            part["props"] = (None, np.full(n, -1, dtype=np.int64))
        else:
            part["props"] = (props, np.arange(n) if codes is None else np.asarray(codes, dtype=np.int64))
            assert len(part["props"][1]) == n
        self.parts.append(part)

    def concat(self) -> dict:
        keys = ("name", "ts", *self._CODES, *self._FLOATS)
        out = {k: np.concatenate([p[k] for p in self.parts]) for k in keys}
        # One vocabulary for the batch's properties; codes are offset into it so that the
        # column is built once, in the final (sorted) order.
        vocabs: dict[int, tuple[int, pa.Array]] = {}
        codes = []
        size = 0
        for part in self.parts:
            vocab, c = part["props"]
            if vocab is None:
                codes.append(c)
                continue
            if id(vocab) not in vocabs:
                vocabs[id(vocab)] = (size, vocab)
                size += len(vocab)
            codes.append(np.where(c >= 0, c + vocabs[id(vocab)][0], -1))
        out["props"] = np.concatenate(codes)
        out["props_vocab"] = pa.concat_arrays([v for _, v in vocabs.values()] or [pa.array([], pa.string())])
        return out


class _Batch:
    def __init__(self, ctx: _Context, index: int, start: int, n: int):
        self.ctx = ctx
        self.b = index
        self.start = start
        self.n = n
        self.ev = _EventParts()
        # order numbers: the batch index, then 7 digits; event ids: the batch index, then 8
        self._order_base = index * 10_000_000
        self._order_width = max(11, len(str(self._order_base + 9_999_999)))

    def rng(self, stream: int) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.ctx.seed, self.b, stream])))

    # ---------------------------------------------------------------- contacts
    def people(self) -> None:
        r, n, ctx = self.rng(1), self.n, self.ctx
        now = ctx.as_of
        country = _draw(r, _cdf(_COUNTRY_W), n)
        female = r.random(n) < 0.52
        ua_in_pl = (country == _PL) & (r.random(n) < 0.035)
        origin = np.where(ua_in_pl, _UA, country)
        first = np.empty(n, dtype=np.int64)
        last = np.empty(n, dtype=np.int64)
        for o, (fc, fcdf, mc, mcdf, scdf, sm, sf) in _NAMES.by_origin.items():
            for fem in (True, False):
                m = (origin == o) & (female == fem)
                k = int(m.sum())
                if k:
                    first[m] = fc[_draw(r, fcdf, k)] if fem else mc[_draw(r, mcdf, k)]
                    last[m] = (sf if fem else sm)[_draw(r, scdf, k)]
        first[r.random(n) < 0.025] = -1
        last[r.random(n) < 0.03] = -1
        gender = np.where(female, 0, 1)
        gender[r.random(n) < 0.012] = 2
        gender[(r.random(n) < 0.04) | ((first < 0) & (r.random(n) < 0.7))] = -1

        city = np.empty(n, dtype=np.int64)
        lang = np.empty(n, dtype=np.int64)
        for c, (codes, cdf) in _CITY_BY_COUNTRY.items():
            m = country == c
            city[m] = codes[_draw(r, cdf, int(m.sum()))]
            for key, mm in ((c, m & ~ua_in_pl), ("ua_in_pl", m & ua_in_pl)):
                k = int(mm.sum())
                if k:
                    lang[mm] = _draw(r, _cdf(_LANG_W[key]), k)
        city[r.random(n) < 0.05] = -1
        lang[r.random(n) < 0.02] = -1
        country_col = np.where(r.random(n) < 0.015, -1, country)

        age_years = np.clip(r.normal(39, 13, n), 16, 85)
        bdays = ctx.as_of_day - (age_years * 365.25).astype(np.int64)
        has_bd = r.random(n) < 0.7
        feb29 = r.random(n) < 0.006
        years = bdays.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        leap = years - years % 4
        feb29_days = (leap - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) + 59
        bdays = np.where(feb29, feb29_days, bdays)

        age_days = 730 * r.random(n) ** 1.15
        created = now - (age_days * _DAY).astype(np.int64)
        created = _diurnal(r, created, now - 731 * _DAY, now)
        e = r.lognormal(-0.32, 0.8, n)
        churned = r.random(n) < 0.22
        end = np.where(churned, created + ((now - created) * r.uniform(0.1, 0.95, n)).astype(np.int64), now)

        has_email = r.random(n) < 0.93
        has_phone = r.random(n) < np.where(country == _PL, 0.78, 0.5)
        app = r.random(n) < np.where(age_years < 35, 0.42, 0.2)
        ios = r.random(n) < 0.38
        email_ever = has_email & (r.random(n) < 0.72)
        news = email_ever & (r.random(n) < 0.55)
        unsub_intent = email_ever & (r.random(n) < 0.07)
        bad_email = has_email & (r.random(n) < 0.012)
        sms_consent = has_phone & (r.random(n) < 0.4)
        push_consent = app & (r.random(n) < 0.75)
        install = created + ((end - created) * 0.9 * r.random(n) ** 1.5).astype(np.int64)
        web = r.random(n) < 0.72
        dev2 = web & (r.random(n) < 0.3)
        link2 = created + ((now - created) * r.uniform(0.05, 1.0, n)).astype(np.int64)
        pre = web & (r.random(n) < 0.45)
        web_signup = web & (r.random(n) < 0.6)
        interest = _draw(r, _cdf([i[1] for i in _INTERESTS]), n)
        cset = _pick_product(r, np.repeat(_INT_PCAT[interest], 4)).reshape(n, 4)
        blog_reader = r.random(n) < 0.45
        pos_shopper = (country == _PL) & (city >= 0) & (r.random(n) < 0.18)
        b2b = r.random(n) < 0.03
        promo = r.random(n) < 0.08
        marketplace = r.random(n) < 0.05
        tags_null = r.random(n) < 0.08
        status_null = r.random(n) < 0.02
        loyal_draw = r.random(n)
        updated_draw = r.random(n)

        # Addresses.
        num = self.start + np.arange(n) + 1
        self.contact_ids = _fixed("c_", _digits(num, ctx.id_width))
        domain = np.empty(n, dtype=np.int64)
        for c, w in _DOMAIN_W.items():
            m = country == c
            domain[m] = _draw(r, _cdf(w), int(m.sum()))
        nf, nl = len(_NAMES.first), len(_NAMES.last)
        named = (first >= 0) & (last >= 0)
        local_first = np.where(first >= 0, first, nf)  # "klient" when no first name
        local_last = np.where(named, last, nl)  # "" when not both names
        sep = pa.array(np.where(named, ".", ""), pa.string())
        email = _join(
            _take(ctx.v_first_ascii, local_first), sep, _take(ctx.v_last_ascii, local_last),
            pc.cast(pa.array(num), pa.string()), "@", _take(ctx.v_domains, domain),
        )  # fmt: skip
        email = pc.if_else(pa.array(has_email), email, pa.scalar(None, pa.string()))
        first_digit = np.empty(n, dtype=np.int64)
        for c, choices in enumerate(_PHONE_FIRST):
            m = country == c
            first_digit[m] = np.asarray(choices)[r.integers(0, len(choices), int(m.sum()))]
        phone_num = first_digit * 100_000_000 + r.integers(0, 100_000_000, n)
        phone = _join(_take(ctx.v_phone_prefix, country), _fixed("", _digits(phone_num, 9)))
        phone = pc.if_else(pa.array(has_phone), phone, pa.scalar(None, pa.string()))
        uid = ctx.uid
        idx = np.arange(n)
        h = [_hex(uid(10 + k, self.b, idx)) for k in range(4)]
        ios_tok = _fixed("", np.hstack(h))
        android_tok = _fixed(
            "",
            np.hstack(
                [h[0][:, :11], np.frombuffer(b":APA91b", np.uint8)[None, :].repeat(n, 0), h[1], h[2], h[3][:, :8]]
            ),
        )
        token = pc.if_else(pa.array(ios), ios_tok, android_tok)
        self.push_token = pc.if_else(pa.array(app), token, pa.scalar(None, pa.string()))
        # Devices (tracking cookies): [0, n) first device, [n, 2n) second device, then the
        # never-identified visitors added by web().
        self.anon_ids_contacts = _fixed("anon_", _hex(uid(1, self.b, np.arange(2 * n))))

        self.p = dict(
            country=country_col, origin=origin, first=first, last=last, gender=gender, city=city,
            lang=lang, bdays=np.where(has_bd, bdays, -1), has_bd=has_bd, created=created, e=e,
            churned=churned, end=end, has_email=has_email, has_phone=has_phone, app=app, ios=ios,
            email_ever=email_ever, news=news, unsub_intent=unsub_intent, bad_email=bad_email,
            sms_consent=sms_consent, push_consent=push_consent, install=install, web=web,
            dev2=dev2, link2=link2, pre=pre, web_signup=web_signup, interest=interest, cset=cset,
            blog_reader=blog_reader, pos_shopper=pos_shopper, b2b=b2b, promo=promo,
            marketplace=marketplace, tags_null=tags_null, status_null=status_null,
            loyal_draw=loyal_draw, updated_draw=updated_draw, email=email, phone=phone,
        )  # fmt: skip

    # ---------------------------------------------------------------- messaging
    def _landing(self, r: np.random.Generator, c: np.ndarray, camp: np.ndarray) -> np.ndarray:
        """The page a click on campaign ``camp`` by contact ``c`` leads to."""
        p, ctx = self.p, self.ctx
        m = len(c)
        interest = p["interest"][c]
        bc = np.where(r.random(m) < 0.7, _INT_BCAT[interest], r.integers(0, len(BLOG_CATEGORIES), m))
        article = _BLOG_START[bc] + (r.random(m) * _BLOG_COUNT[bc]).astype(np.int64)
        cat = ctx.c_cat[camp]
        pcat = np.where(cat >= 0, cat, _INT_PCAT[interest])
        use_cset = ((cat < 0) | (cat == _INT_PCAT[interest])) & (r.random(m) < 0.5)
        prod = np.where(use_cset, p["cset"][c, r.integers(0, 4, m)], _pick_product(r, pcat))
        listing = r.random(m) < 0.2
        page = np.where(listing, _PAGE_LIST0 + pcat, _PAGE_PROD0 + prod)
        return np.where(ctx.c_kind[camp] == _NEWSLETTER, _PAGE_BLOG0 + article, page)

    def _sends(self, r, channel: int, eligible: np.ndarray, audience) -> tuple[np.ndarray, ...]:
        ctx = self.ctx
        cs = np.flatnonzero(ctx.c_channel == channel)  # this channel's sends, in time order
        send = ctx.c_send[cs]
        mask = eligible[:, None] & (self.p["created"][:, None] < send[None, :])
        mask &= audience(cs)
        ci, cj = np.nonzero(mask)  # ordered by contact, then by send time
        return ci, cs[cj]

    def messaging(self) -> None:
        r, ctx, p, now, n = self.rng(2), self.ctx, self.p, self.ctx.as_of, self.n
        e, ev = p["e"], self.ev
        self.clicks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # contact, ts, page

        # E-mail.
        def email_audience(cs):
            themed = r.random((n, len(cs))) < 0.45
            return np.where(ctx.c_kind[cs][None, :] == _NEWSLETTER, p["news"][:, None], themed)

        c, camp = self._sends(r, _CH_EMAIL, p["email_ever"], email_audience)
        ts = ctx.c_send[camp] + r.integers(0, 40 * _MIN, len(c))
        rank = _ranks(c)
        keep = ~p["bad_email"][c] | (rank == 0)  # a hard bounce stops further sends
        c, camp, ts, rank = c[keep], camp[keep], ts[keep], rank[keep]
        hard = p["bad_email"][c]
        # Unsubscribes: one of the contact's sends, the later ones are not sent.
        first_row = np.searchsorted(c, np.arange(n))
        size = np.searchsorted(c, np.arange(n), side="right") - first_row
        k = (r.random(n) * size).astype(np.int64)
        unsub = p["unsub_intent"] & ~p["bad_email"] & (size > 0)
        unsub_row = np.where(unsub, first_row + k, 0)
        if len(ts):
            unsub_ts = ts[unsub_row] + _lognormal_us(r, 3600, 1.2, n, 5 * 86400)
            unsub_camp = camp[unsub_row]
        else:
            unsub_ts = np.full(n, _NEVER)
            unsub_camp = np.zeros(n, dtype=np.int64)
        unsub &= unsub_ts <= now
        keep = ~unsub[c] | (rank <= k[c])
        c, camp, ts, hard = c[keep], camp[keep], ts[keep], hard[keep]
        self.unsubscribed = unsub
        self.unsub_ts = np.where(unsub, unsub_ts, -1)
        ev.add(_E_EMAIL_SENT, ts, ctx.v_sent_props, camp, contact=c, campaign=ctx.c_id[camp], channel=_CH_EMAIL)
        soft = ~hard & (r.random(len(c)) < 0.006)
        bounced = hard | soft
        bts = ts[bounced] + r.integers(2 * _SEC, 60 * _SEC, int(bounced.sum()))
        ev.add(
            _E_BOUNCE,
            bts,
            ctx.v_bounce_props,
            np.where(hard[bounced], 0, 1),
            contact=c[bounced],
            campaign=ctx.c_id[camp[bounced]],
            channel=_CH_EMAIL,
        )
        uc = np.flatnonzero(unsub)
        ev.add(_E_UNSUB, unsub_ts[uc], contact=uc, campaign=ctx.c_id[unsub_camp[uc]], channel=_CH_EMAIL)
        p_open = np.clip(0.03 + 0.2 * e, 0, 0.8)[c] * np.where(ts > p["end"][c], 0.35, 1.0) * ctx.c_boost[camp]
        opened = ~bounced & (r.random(len(c)) < p_open)
        oc, ocamp = c[opened], camp[opened]
        ots = ts[opened] + _lognormal_us(r, 2.5 * 3600, 1.3, len(oc), 10 * 86400)
        again = r.random(len(oc)) < 0.2
        ots2 = ots[again] + _lognormal_us(r, 20 * 3600, 1.0, int(again.sum()), 20 * 86400)
        ok, ok2 = ots <= now, ots2 <= now
        ev.add(_E_EMAIL_OPEN, ots[ok], contact=oc[ok], campaign=ctx.c_id[ocamp[ok]], channel=_CH_EMAIL)
        ev.add(
            _E_EMAIL_OPEN, ots2[ok2], contact=oc[again][ok2], campaign=ctx.c_id[ocamp[again][ok2]], channel=_CH_EMAIL
        )
        p_click = np.where(ctx.c_kind[ocamp] == _NEWSLETTER, 0.10, 0.18) * np.minimum(1.5, 0.6 + 0.4 * e[oc])
        clicked = ok & (r.random(len(oc)) < p_click)
        cc, ccamp = oc[clicked], ocamp[clicked]
        cts = ots[clicked] + r.integers(5 * _SEC, 120 * _SEC, len(cc))
        ok = cts <= now
        cc, ccamp, cts = cc[ok], ccamp[ok], cts[ok]
        page = self._landing(r, cc, ccamp)
        ev.add(
            _E_EMAIL_CLICK,
            cts,
            contact=cc,
            campaign=ctx.c_id[ccamp],
            channel=_CH_EMAIL,
            url=page,
            category=_PAGE_CAT[page],
            product=_PAGE_PRODUCT[page],
        )
        self.clicks.append((cc, cts, page))

        # SMS.
        c, camp = self._sends(r, _CH_SMS, p["sms_consent"], lambda cs: r.random((n, len(cs))) < 0.6)
        ts = ctx.c_send[camp] + r.integers(0, 10 * _MIN, len(c))
        ev.add(_E_SMS_SENT, ts, contact=c, campaign=ctx.c_id[camp], channel=_CH_SMS)
        clicked = r.random(len(c)) < 0.04 * np.minimum(2.0, e[c]) * ctx.c_boost[camp]
        cc, ccamp = c[clicked], camp[clicked]
        cts = ts[clicked] + _lognormal_us(r, 8 * 60, 1.2, len(cc), 3 * 86400)
        ok = cts <= now
        cc, ccamp, cts = cc[ok], ccamp[ok], cts[ok]
        page = self._landing(r, cc, ccamp)
        ev.add(
            _E_SMS_CLICK,
            cts,
            contact=cc,
            campaign=ctx.c_id[ccamp],
            channel=_CH_SMS,
            url=page,
            category=_PAGE_CAT[page],
            product=_PAGE_PRODUCT[page],
        )
        self.clicks.append((cc, cts, page))

        # Push.
        def push_audience(cs):
            frac = np.where(ctx.c_kind[cs] == _FLASH, 0.6, 0.8)
            return (r.random((n, len(cs))) < frac[None, :]) & (p["install"][:, None] < ctx.c_send[cs][None, :])

        c, camp = self._sends(r, _CH_PUSH, p["push_consent"], push_audience)
        ts = ctx.c_send[camp] + r.integers(0, 2 * _MIN, len(c))
        ev.add(_E_PUSH_SENT, ts, ctx.v_sent_props, camp, contact=c, campaign=ctx.c_id[camp], channel=_CH_PUSH)
        p_open = np.clip(0.04 + 0.1 * e[c], 0, 0.6) * np.where(ts > p["end"][c], 0.3, 1.0) * ctx.c_boost[camp]
        opened = r.random(len(c)) < p_open
        oc, ocamp = c[opened], camp[opened]
        ots = ts[opened] + _lognormal_us(r, 25 * 60, 1.2, len(oc), 2 * 86400)
        ok = ots <= now
        oc, ocamp, ots = oc[ok], ocamp[ok], ots[ok]
        ev.add(_E_PUSH_OPEN, ots, contact=oc, campaign=ctx.c_id[ocamp], channel=_CH_PUSH)
        # opening a push opens the app
        self.push_app_opens = (oc, np.minimum(ots + r.integers(1 * _SEC, 4 * _SEC, len(oc)), now))

    # ---------------------------------------------------------------- web
    def web(self) -> None:
        r, ctx, p, now, n = self.rng(3), self.ctx, self.p, self.ctx.as_of, self.n
        e = p["e"]
        sess: dict[str, list[np.ndarray]] = {k: [] for k in ("dev", "start", "kind", "interest", "landing")}

        def sessions(dev, start, kind, landing=None, interest=None):
            if interest is None:  # a contact's device (dev < 2n): mostly the contact's interest
                interest = np.where(
                    r.random(len(dev)) < 0.8, p["interest"][dev % n], r.integers(0, len(_INTERESTS), len(dev))
                )
            sess["dev"].append(dev)
            sess["start"].append(start)
            sess["kind"].append(kind)
            sess["interest"].append(interest)
            sess["landing"].append(np.full(len(dev), -1) if landing is None else landing)

        def device(c):
            return np.where(p["dev2"][c] & (r.random(len(c)) < 0.4), c + n, c)

        def kind(c):
            return np.where(r.random(len(c)) < np.where(p["blog_reader"][c], 0.55, 0.12), 1, 0)

        # Regular sessions over the contact's active time (at most 18 months back).
        a = np.maximum(p["created"], now - 540 * _DAY)
        days = np.maximum(p["end"] - a, 0) / _DAY
        k = np.where(p["web"], r.poisson(0.0055 * e * days), 0)
        c = np.repeat(np.arange(n), k)
        start = _diurnal(r, _recent(r, a[c], p["end"][c], 240), a[c], p["end"][c])
        sessions(device(c), start, kind(c))
        # The last week, busier towards as_of (Cyber Monday morning).
        k = np.where(p["web"] & ~p["churned"], r.poisson(0.3 * e), 0)
        c = np.repeat(np.arange(n), k)
        start = np.maximum(now - (7 * _DAY * r.random(len(c)) ** 1.5).astype(np.int64), p["created"][c])
        sessions(device(c), start, kind(c))
        # Anonymous browsing before signing up, and the sign-up session itself.
        k = np.where(p["pre"], 1 + r.poisson(0.8, n), 0)
        c = np.repeat(np.arange(n), k)
        start = p["created"][c] - r.integers(10 * _MIN, 60 * _DAY, len(c))
        sessions(c, _diurnal(r, start, start - _DAY, p["created"][c] - 10 * _MIN), kind(c))
        c = np.flatnonzero(p["web_signup"])
        sessions(c, p["created"][c] - r.integers(1 * _MIN, 8 * _MIN, len(c)), np.zeros(len(c), np.int64))
        # Clicks in messages open a session on the landing page.
        for cc, cts, page in self.clicks:
            sessions(cc, cts + r.integers(2 * _SEC, 20 * _SEC, len(cc)), np.full(len(cc), 2), landing=page)
        # Visitors never identified.
        v = round(0.3 * n)
        self.n_visitors = v
        k = 1 + r.poisson(0.6, v)
        dv = np.repeat(np.arange(v), k)
        start = _diurnal(
            r, _recent(r, np.full(len(dv), now - 400 * _DAY), np.full(len(dv), now), 240), now - 401 * _DAY, now
        )
        sessions(
            2 * n + dv,
            start,
            np.where(r.random(len(dv)) < 0.3, 1, 0),
            interest=_draw(r, _cdf([i[1] for i in _INTERESTS]), len(dv)),
        )

        dev = np.concatenate(sess["dev"])
        start = np.concatenate(sess["start"])
        skind = np.concatenate(sess["kind"])
        sint = np.concatenate(sess["interest"])
        landing = np.concatenate(sess["landing"])
        ns = len(dev)

        # Page views.
        npv = np.minimum(r.geometric(np.array([0.3, 0.4, 0.4])[skind]), 15)
        sid = np.repeat(np.arange(ns), npv)
        pos = _within(npv)
        m = len(sid)
        first = pos == 0
        k_ = skind[sid]
        table = np.array(
            [  # HOME, CART, LIST, PROD, BLOG
                [[0.07, 0.12, 0.14, 0.67, 0.0], [0.35, 0.0, 0.20, 0.45, 0.0]],  # product session
                [[0.08, 0.0, 0.04, 0.13, 0.75], [0.08, 0.0, 0.0, 0.0, 0.92]],  # blog session
                [[0.07, 0.12, 0.14, 0.67, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0]],  # click session
            ]
        ).cumsum(axis=2)
        cdf = table[k_, first.astype(np.int64)]
        pk = np.minimum((r.random(m)[:, None] >= cdf).sum(axis=1), 4)
        owner = np.where(dev < n, dev, np.where(dev < 2 * n, dev - n, -1))[sid]
        pcat = np.where(r.random(m) < 0.8, _INT_PCAT[sint[sid]], r.integers(0, len(PRODUCT_CATEGORIES), m))
        use_cset = (owner >= 0) & (r.random(m) < 0.55)
        prod = np.where(use_cset, p["cset"][np.maximum(owner, 0), r.integers(0, 4, m)], _pick_product(r, pcat))
        bcat = np.where(r.random(m) < 0.85, _INT_BCAT[sint[sid]], r.integers(0, len(BLOG_CATEGORIES), m))
        article = _BLOG_START[bcat] + (r.random(m) * _BLOG_COUNT[bcat]).astype(np.int64)
        page_of_kind = np.stack([np.zeros(m, np.int64), np.ones(m, np.int64), _PAGE_LIST0 + pcat,
                                 _PAGE_PROD0 + prod, _PAGE_BLOG0 + article], axis=1)  # fmt: skip
        page = page_of_kind[np.arange(m), pk]
        lnd = landing[sid]
        page = np.where(first & (lnd >= 0), lnd, page)
        pk = _PAGE_KIND[page]

        med = np.array([12.0, 30.0, 25.0, 45.0, 140.0])[pk]
        dur = np.clip(np.round(r.lognormal(np.log(med), 0.8)), 1, 3600)
        gap = dur.astype(np.int64) * _SEC + r.integers(1 * _SEC, 5 * _SEC, m)
        offs = np.cumsum(gap) - gap
        offs -= np.repeat(offs[first], npv)
        ts = start[sid] + offs
        last_in_session = np.r_[pos[1:] == 0, True]
        duration = np.where(last_in_session & (r.random(m) < 0.35), np.nan, dur)
        ext = _draw(r, _cdf([w for _, w in _EXT_REF]), m)
        ext = np.where(skind[sid] == 2, 0, ext)  # mail apps send no referrer
        prev = np.r_[0, page[:-1]]
        ref = np.where(first, ext, _NEXT + prev)

        d = dev[sid]
        link = np.where(
            d < n,
            p["created"][d % n],
            np.where(d < 2 * n, np.where(p["dev2"][(d - n) % n], p["link2"][(d - n) % n], _NEVER), _NEVER),
        )
        contact = np.where(ts >= link, owner, -1)
        ok = ts <= now
        self.ev.add(
            _E_PV,
            ts[ok],
            ctx.v_pv_props,
            (ref * _NPAGES + page)[ok],
            contact=contact[ok],
            anon=d[ok],
            url=page[ok],
            category=_PAGE_CAT[page][ok],
            product=_PAGE_PRODUCT[page][ok],
            duration=duration[ok],
        )

        # Identities: each device's first identified page view links it.
        idf = ok & (contact >= 0)
        first_seen = np.full(2 * n, _NEVER)
        np.minimum.at(first_seen, d[idf], ts[idf])
        linked = np.flatnonzero(first_seen < _NEVER)
        self.identities = (linked, linked % n, first_seen[linked])
        anon_vis = _fixed("anon_", _hex(ctx.uid(2, self.b, np.arange(v))))
        self.anon_ids = pa.concat_arrays([self.anon_ids_contacts, anon_vis])

        # Carts: product pages of identified sessions.
        p_add = np.where(skind[sid] == 2, 0.2, 0.13)
        add = ok & (contact >= 0) & (pk == _PROD) & (r.random(m) < p_add)
        ai = np.flatnonzero(add)
        a_ts = ts[ai] + (r.uniform(0.2, 1.0, len(ai)) * dur[ai] * _SEC).astype(np.int64)
        a_sid, a_c, a_prod = sid[ai], contact[ai], _PAGE_PRODUCT[page[ai]]
        x = (a_prod == _PROD_A) & (r.random(len(ai)) < 0.35)  # socks with the shoes
        a_ts = np.concatenate([a_ts, a_ts[x] + r.integers(20 * _SEC, 120 * _SEC, int(x.sum()))])
        a_sid = np.concatenate([a_sid, a_sid[x]])
        a_c = np.concatenate([a_c, a_c[x]])
        a_prod = np.concatenate([a_prod, np.full(int(x.sum()), _PROD_B)])
        ok = a_ts <= now
        a_ts, a_sid, a_c, a_prod = a_ts[ok], a_sid[ok], a_c[ok], a_prod[ok]
        o = np.lexsort((a_ts, a_sid))
        a_ts, a_sid, a_c, a_prod = a_ts[o], a_sid[o], a_c[o], a_prod[o]
        u = r.random(len(a_ts))
        qty = 1.0 + (u > 0.85) + (u > 0.96) + (_P_PRICE[a_prod] < 70) * (r.random(len(a_ts)) < 0.3)
        amount = np.round(_P_PRICE[a_prod] * qty, 2)
        carts, cart_of = np.unique(a_sid, return_inverse=True)
        cart_ids = _fixed("cart_", _hex(ctx.uid(3, self.b, carts)))
        cart_col = cart_ids.take(pa.array(cart_of))
        self.ev.add(
            _E_ADD,
            a_ts,
            _join('{"cart_id": "', cart_col, '"}'),
            contact=a_c,
            category=_CAT_OF_PRODUCT[a_prod],
            product=a_prod,
            amount=amount,
            quantity=qty,
        )
        nc = len(carts)
        last_add = np.full(nc, np.iinfo(np.int64).min)
        np.maximum.at(last_add, cart_of, a_ts)
        u = r.random(nc)
        delay = np.where(
            u < 0.75,
            r.integers(2 * _MIN, 45 * _MIN, nc),
            np.where(u < 0.95, r.integers(1 * _HOUR, 20 * _HOUR, nc), r.integers(1 * _DAY, 4 * _DAY, nc)),
        )
        bought = (r.random(nc) < 0.68) & (last_add + delay <= now)
        order_no = np.cumsum(bought) - 1
        self.n_orders = int(bought.sum())
        rows = bought[cart_of]
        ccart = cart_of[rows]
        order_ids = _fixed("ord_", _digits(self._order_base + order_no[ccart], self._order_width))
        props = _join(
            '{"cart_id": "', cart_col.filter(pa.array(rows)), '", "order_id": "', order_ids, '", "store": "online"}'
        )
        self.purchases = [(a_c[rows], (last_add + delay)[ccart], a_prod[rows], amount[rows], qty[rows], props)]

    # ---------------------------------------------------------------- stores, app, loyalty
    def stores(self) -> None:
        r, p, now, n = self.rng(4), self.p, self.ctx.as_of, self.n
        a = np.maximum(p["created"], now - 540 * _DAY)
        years = np.maximum(p["end"] - a, 0) / (365 * _DAY)
        k = np.where(p["pos_shopper"], r.poisson(1.6 * np.minimum(p["e"], 3) * years), 0)
        c = np.repeat(np.arange(n), k)
        day = _recent(r, a[c], p["end"][c], 300)
        ts = _diurnal(r, day, a[c], p["end"][c], _cdf(_STORE_HOUR_W))
        lines = 1 + (r.random(len(c)) > 0.6) + (r.random(len(c)) > 0.88)
        order = np.repeat(np.arange(len(c)), lines)
        lc, lts = c[order], ts[order]
        cat = np.where(
            r.random(len(order)) < 0.6, _INT_PCAT[p["interest"][lc]], r.integers(0, len(PRODUCT_CATEGORIES), len(order))
        )
        prod = _pick_product(r, cat)
        qty = 1.0 + (r.random(len(order)) > 0.9)
        amount = np.round(_P_PRICE[prod] * qty, 2)
        if self.n_orders + len(c) >= 10_000_000:
            raise ValueError("too many orders in one batch; lower batch_contacts")
        order_ids = _fixed("ord_", _digits(self._order_base + self.n_orders + order, self._order_width))
        props = _join('{"order_id": "', order_ids, '", "store": "pos"}')
        self.purchases.append((lc, lts, prod, amount, qty, props))
        for pc_, pts, pprod, pamount, pqty, pprops in self.purchases:
            self.ev.add(
                _E_PURCHASE,
                pts,
                pprops,
                contact=pc_,
                category=_CAT_OF_PRODUCT[pprod],
                product=pprod,
                amount=pamount,
                quantity=pqty,
            )

    def app(self) -> None:
        r, ctx, p, now, n = self.rng(5), self.ctx, self.p, self.ctx.as_of, self.n
        e = p["e"]
        days = np.maximum(p["end"] - p["install"], 0) / _DAY
        k = np.where(p["app"], r.poisson(np.minimum(0.035 * e * days, 400)), 0)
        c = np.repeat(np.arange(n), k)
        ts = _diurnal(r, _recent(r, p["install"][c], p["end"][c], 200), p["install"][c], p["end"][c])
        k2 = np.where(p["app"] & ~p["churned"], r.poisson(1.5 * e), 0)
        c2 = np.repeat(np.arange(n), k2)
        ts2 = np.maximum(now - (7 * _DAY * r.random(len(c2))).astype(np.int64), p["install"][c2])
        ts2 = _diurnal(r, ts2, np.maximum(now - 7 * _DAY, p["install"][c2]), now)
        pc3, ts3 = self.push_app_opens
        c = np.concatenate([c, c2, pc3])
        ts = np.concatenate([ts, ts2, ts3])
        lag = (r.exponential(6.0, n) * _DAY).astype(np.int64)
        version = np.maximum(np.searchsorted(ctx.releases, ts - lag[c], side="right") - 1, 0)
        props = version * 2 + np.where(p["ios"][c], 0, 1)
        self.ev.add(_E_APP_OPEN, ts, ctx.v_app_props, props, contact=c)

    def loyalty(self) -> None:
        p, n = self.p, self.n
        c = np.concatenate([x[0] for x in self.purchases])
        ts = np.concatenate([x[1] for x in self.purchases])
        amount = np.concatenate([x[3] for x in self.purchases])
        o = np.lexsort((ts, c))
        c, ts, amount = c[o], ts[o], amount[o]
        spend = np.bincount(c, weights=amount, minlength=n)
        buyer = np.bincount(c, minlength=n) > 0
        member = buyer & (p["loyal_draw"] < 0.45)
        cum = np.cumsum(amount)
        starts = np.searchsorted(c, np.arange(n))
        before = np.r_[0.0, cum][starts][c]
        cum -= before
        prev = cum - amount
        rank = _ranks(c)
        m = member[c]
        ev_c, ev_ts, ev_step = (
            [c[m & (rank == 0)]],
            [ts[m & (rank == 0)] + _SEC],
            [np.zeros(int((m & (rank == 0)).sum()))],
        )
        for step, thr in enumerate(_TIER_THRESHOLDS, start=1):
            cross = m & (prev < thr) & (cum >= thr)
            ev_c.append(c[cross])
            ev_ts.append(ts[cross] + (step + 1) * _SEC)
            ev_step.append(np.full(int(cross.sum()), step))
        lc, lts, lstep = (np.concatenate(x) for x in (ev_c, ev_ts, ev_step))
        lts = np.minimum(lts, self.ctx.as_of)
        self.ev.add(_E_LOYALTY, lts, self.ctx.v_loyalty_props, lstep, contact=lc)
        tier = np.zeros(n, dtype=np.int64)
        np.maximum.at(tier, lc, lstep.astype(np.int64) + 1)
        last_change = np.full(n, -1, dtype=np.int64)
        np.maximum.at(last_change, lc, lts)
        self.member, self.tier, self.spend, self.buyer, self.last_change = member, tier, spend, buyer, last_change

    # ---------------------------------------------------------------- tables
    def contacts_table(self) -> pa.Table:
        ctx, p, now = self.ctx, self.p, self.ctx.as_of
        status = np.where(self.buyer, 1, 0)
        status = np.where((self.tier >= 3) | (self.spend >= 6000), 2, status)
        status = np.where(p["status_null"], -1, status)
        news_tag = p["news"] & ~self.unsubscribed
        flags = np.stack([news_tag, p["b2b"], self.member, p["promo"], p["marketplace"]], axis=1)
        counts = np.where(p["tags_null"], 0, flags.sum(axis=1))
        _, which = np.nonzero(flags & ~p["tags_null"][:, None])  # row-major: each contact's tags in order
        offsets = np.r_[0, np.cumsum(counts)].astype(np.int32)
        tags = pa.ListArray.from_arrays(pa.array(offsets), _take(ctx.v_tags, which), mask=pa.array(p["tags_null"]))
        created = p["created"]
        updated = created + ((now - created) * p["updated_draw"] ** 2).astype(np.int64)
        updated = np.maximum.reduce([updated, self.unsub_ts, self.last_change])
        updated = np.clip(updated, created, now)
        cols = {
            "contact_id": self.contact_ids,
            "email": p["email"],
            "phone": p["phone"],
            "push_token": self.push_token,
            "first_name": _take(ctx.v_first, p["first"]),
            "last_name": _take(ctx.v_last, p["last"]),
            "gender": _take(ctx.v_genders, p["gender"]),
            "birth_date": pa.array(p["bdays"].astype(np.int32), pa.date32(), mask=~p["has_bd"]),
            "city": _take(ctx.v_cities, p["city"]),
            "country": _take(ctx.v_countries, p["country"]),
            "language": _take(ctx.v_languages, p["lang"]),
            "status": _take(ctx.v_statuses, status),
            "tags": tags,
            "email_consent": pa.array(p["email_ever"] & ~self.unsubscribed),
            "sms_consent": pa.array(p["sms_consent"]),
            "push_consent": pa.array(p["push_consent"]),
            "created_at": _ts(created),
            "updated_at": _ts(updated),
        }
        return pa.Table.from_arrays(list(cols.values()), schema=CONTACTS_SCHEMA)

    def events_table(self) -> pa.Table:
        ctx, now = self.ctx, self.ctx.as_of
        e = self.ev.concat()
        order = np.argsort(e["ts"], kind="stable")
        m = len(order)
        if m >= 100_000_000:
            raise ValueError("too many events in one batch; lower batch_contacts")
        r = self.rng(7)
        name = e["name"][order].astype(np.int64)
        ts = e["ts"][order]
        delay = _lognormal_us(r, 1.5, 0.7, m, 60)
        late = (name == _E_APP_OPEN) & (r.random(m) < 0.04)  # apps upload in batches
        delay = np.where(late, r.integers(1 * _MIN, 6 * _HOUR, m), delay)
        received = np.maximum(ts, np.minimum(ts + delay, now))
        amount = e["amount"][order]
        cols = {
            "event_id": _fixed("ev_", _digits(self.b * 100_000_000 + np.arange(m), max(12, len(str(self.b + 1)) + 8))),
            "contact_id": _take(self.contact_ids, e["contact"][order]),
            "anonymous_id": _take(self.anon_ids, e["anon"][order]),
            "source": _take(ctx.v_sources, _SOURCE_OF[name]),
            "name": _take(ctx.v_names, name),
            "ts": _ts(ts),
            "received_at": _ts(received),
            "url": _take(ctx.v_urls, e["url"][order]),
            "category": _take(ctx.v_cats, e["category"][order]),
            "product_id": _take(ctx.v_products, e["product"][order]),
            "campaign_id": _take(ctx.v_campaigns, e["campaign"][order]),
            "channel": _take(ctx.v_channels, e["channel"][order]),
            "currency": pc.if_else(pa.array(~np.isnan(amount)), pa.scalar("PLN"), pa.scalar(None, pa.string())),
            "amount": _amounts(amount),
            "duration_s": _floats(e["duration"][order]),
            "quantity": _floats(e["quantity"][order]),
            "properties": _take(e["props_vocab"], e["props"][order]),
        }
        return pa.Table.from_arrays(list(cols.values()), schema=EVENTS_SCHEMA)

    def identities_table(self) -> pa.Table:
        dev, contact, linked = self.identities
        return pa.Table.from_arrays(
            [self.anon_ids.take(pa.array(dev)), self.contact_ids.take(pa.array(contact)), _ts(linked)],
            schema=IDENTITIES_SCHEMA,
        )

    def run(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        self.people()
        self.messaging()
        self.web()
        self.stores()
        self.app()
        self.loyalty()
        return self.contacts_table(), self.events_table(), self.identities_table()


_CAT_OF_PRODUCT = np.array([_CAT[p.category] for p in PRODUCTS])


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def generate(
    contacts: int = 5000,
    *,
    seed: int = 7,
    as_of: datetime = SAMPLE_AS_OF,
    batch_contacts: int = 50_000,
) -> Iterator[tuple[str, pa.Table]]:
    """Yields ("contacts"|"events"|"identities", table) batches; contacts of a batch before its events."""
    if contacts < 0 or batch_contacts <= 0:
        raise ValueError("contacts must be >= 0 and batch_contacts > 0")
    ctx = _Context(seed, as_of, contacts)
    for index, start in enumerate(range(0, contacts, batch_contacts)):
        batch = _Batch(ctx, index, start, min(batch_contacts, contacts - start))
        c, e, i = batch.run()
        yield "contacts", c
        yield "events", e
        yield "identities", i


def write_parquet(
    out_dir: Path,
    contacts: int = 5000,
    *,
    seed: int = 7,
    as_of: datetime = SAMPLE_AS_OF,
    progress: Callable[[int], None] | None = None,
) -> dict[str, list[Path]]:
    """Writes contacts/, events/, identities/ parquet part files; progress(n_contacts_done).

    Part files are ``<table>/part-00000.parquet``, one per batch of 50,000 contacts; earlier
    ``part-*.parquet`` files in those directories are removed first. Writing happens on a
    background thread while the next batch is generated.
    """
    out_dir = Path(out_dir)
    written: dict[str, list[Path]] = {name: [] for name in SCHEMAS}
    for name in SCHEMAS:
        d = out_dir / name
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob("part-*.parquet"):
            old.unlink()
    todo: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def writer() -> None:
        while (item := todo.get()) is not None:
            path, table = item
            if failure:
                continue
            try:
                pq.write_table(table, path, compression="zstd")
            except BaseException as exc:  # reported on the main thread
                failure.append(exc)

    thread = threading.Thread(target=writer, name="sample-parquet-writer", daemon=True)
    thread.start()
    done = 0
    part = 0
    try:
        for name, table in generate(contacts, seed=seed, as_of=as_of):
            path = out_dir / name / f"part-{part:05d}.parquet"
            written[name].append(path)
            todo.put((path, table))
            if failure:
                break
            if name == "contacts":
                done += table.num_rows
            elif name == "identities":
                part += 1
                if progress is not None:
                    progress(done)
    finally:
        todo.put(None)
        thread.join()
    if failure:
        raise failure[0]
    return written
