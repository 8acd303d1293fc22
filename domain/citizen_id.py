"""GB 11643-1999 citizen identity numbers: the check digit and a validity test.

Used by the ID card parser (to report a card whose number is inconsistent), by the hall server's
validation and by the fake citizens in the demo data. Never logs or raises with the number in it.
"""

__all__ = ["check_digit", "is_valid_id_number"]

# GB 11643-1999, 6.2: weights Wi = 2^(17-i) mod 11 for the 17 body digits, and the check
# character for each value of (sum of Ai*Wi) mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"


def check_digit(body: str) -> str:
    """The check character ('0'-'9' or 'X') for the first 17 digits of an identity number."""
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError("an identity number body is exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS))
    return _CHECK_CHARACTERS[total % 11]


def is_valid_id_number(number: str) -> bool:
    """True for an 18-character number whose last character is its correct check character."""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    return check_digit(number[:17]) == number[17].upper()
