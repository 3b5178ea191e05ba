"""Money as the catalog stores it: an integer number of minor units (kopecks, cents) and an
ISO 4217 currency code. Integers, because binary floats cannot hold 0.10 exactly and sums
of prices must be exact."""

from __future__ import annotations

from marketplace_platform.problems import InvalidInput

DEFAULT_CURRENCY = "RUB"
# 100 billion minor units: a 1 000 000 000.00 price is far past anything a shop sells, and
# far inside a 64-bit column even multiplied by a large quantity.
MAX_PRICE = 100_000_000_000

# Active ISO 4217 currency codes (funds, precious metals and testing codes left out).
_ISO_4217 = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER
    ZAR ZMW ZWG ZWL
"""
CURRENCIES = frozenset(_ISO_4217.split())


def clean_currency(code: str) -> str:
    """The code in upper case, if it is an ISO 4217 currency."""
    upper = code.strip().upper()
    if upper not in CURRENCIES:
        raise InvalidInput(f"{code!r} is not an ISO 4217 currency code.")
    return upper


def check_price(price: int) -> int:
    if price <= 0:
        raise InvalidInput("The price must be positive (in minor units: 1999 is 19.99).")
    if price > MAX_PRICE:
        raise InvalidInput(f"The price must be at most {MAX_PRICE} minor units.")
    return price
