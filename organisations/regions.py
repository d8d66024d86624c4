"""The one table that derives a region from a country.

Regions are the ICA's four: Africa, Americas, Asia-Pacific and Europe. Countries are
placed by their UN M49 continent, with Asia and Oceania together as Asia-Pacific.
Antarctica (AQ) belongs to no region.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA_PACIFIC = "asia-pacific", _("Asia-Pacific")
    EUROPE = "europe", _("Europe")


_M49_CONTINENTS = {
    Region.AFRICA: (
        # Northern, Eastern, Middle, Southern and Western Africa
        "DZ EG LY MA SD TN EH "
        "BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW IO TF "
        "AO CM CF TD CG CD GQ GA ST "
        "BW SZ LS NA ZA "
        "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"
    ),
    Region.AMERICAS: (
        # Caribbean, Central America, South America, Northern America
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX "
        "TT TC VI "
        "BZ CR SV GT HN MX NI PA "
        "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE "
        "BM CA GL PM US"
    ),
    Region.ASIA_PACIFIC: (
        # Asia: Central, Eastern, South-eastern, Southern, Western
        "KZ KG TJ TM UZ "
        "CN HK MO KP JP MN KR TW "
        "BN KH ID LA MY MM PH SG TH TL VN "
        "AF BD BT IN IR MV NP PK LK "
        "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE "
        # Oceania: Australia and New Zealand, Melanesia, Micronesia, Polynesia
        "AU CX CC HM NZ NF "
        "FJ NC PG SB VU "
        "GU KI MH FM NR MP PW UM "
        "AS CK PF NU PN WS TK TO TV WF"
    ),
    Region.EUROPE: (
        # Eastern, Northern, Southern and Western Europe
        "BY BG CZ HU PL MD RO RU SK UA "
        "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB "
        "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES "
        "AT BE FR DE LI LU MC NL CH"
    ),
}

REGION_BY_COUNTRY = {
    code: region for region, codes in _M49_CONTINENTS.items() for code in codes.split()
}


def region_of(country_code):
    """Return the Region of an ISO 3166-1 alpha-2 code, or None."""
    return REGION_BY_COUNTRY.get(str(country_code or "").upper())


def countries_in(region):
    """Return the sorted country codes of a region."""
    return sorted(code for code, r in REGION_BY_COUNTRY.items() if r == region)
