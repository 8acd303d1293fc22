"""Tiered gas prices (阶梯气价) and exact arithmetic between an amount of money and a volume of gas.

A tariff prices a household's gas by how much it has bought in the tariff year (the calendar year at the
utility): the first 360 m³ at 2.67 元/m³, up to 600 m³ at 3.20 元/m³, beyond at 4.01 元/m³ (the demo's
residential tariff). A purchase that crosses a tier boundary is priced part in each tier.

Units are integers, never floats: volumes in tenths of a cubic metre (what meters and cards count in),
prices in fen per m³, amounts in fen. The rounding rules, which the tests check exhaustively:

* The price of a volume is the sum over its tiers of volume × price, computed exactly in tenths of a fen,
  then rounded to the fen, half up (四舍五入): 37.4 m³ in tier 1 is 374 × 267 = 99 858 tenths of a fen
  → 9 986 fen (99.86 元).
* An amount buys the largest whole number of tenths of a cubic metre whose price does not exceed it
  (`volume_for`): 100.00 元 in tier 1 buys 37.4 m³, whose price is 99.86 元. The price is never more than
  the amount, and one more tenth would cost more than the amount.
* Both are monotonic: more money never buys less gas, and more gas never costs less.

    tariff = Tariff((Tier(3600, 267), Tier(6000, 320), Tier(None, 401)))
    tariff.price(used=3500, volume=200)          # Priced(amount_fen=5870, parts=(...tier 1: 100, tier 2: 100))
    tariff.volume_for(used=0, amount_fen=10000)  # 374
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Tier", "TierPart", "Priced", "Tariff"]


@dataclass(frozen=True)
class Tier:
    up_to_tenths_m3: int | None        # the year's volume at which this tier ends; None: the last tier
    price_fen_per_m3: int

    def to_dict(self) -> dict[str, int | None]:
        return {"up_to_tenths_m3": self.up_to_tenths_m3, "price_fen_per_m3": self.price_fen_per_m3}


@dataclass(frozen=True)
class TierPart:
    tier: int                          # 1, 2, 3 ...
    volume_tenths_m3: int
    price_fen_per_m3: int

    def to_dict(self) -> dict[str, int]:
        return {"tier": self.tier, "volume_tenths_m3": self.volume_tenths_m3,
                "price_fen_per_m3": self.price_fen_per_m3}


@dataclass(frozen=True)
class Priced:
    amount_fen: int
    parts: tuple[TierPart, ...]


class Tariff:
    def __init__(self, tiers: tuple[Tier, ...]) -> None:
        if not tiers or tiers[-1].up_to_tenths_m3 is not None:
            raise ValueError("a tariff needs tiers, the last one without an end")
        ends = [t.up_to_tenths_m3 for t in tiers[:-1]]
        bounds = [end for end in ends if end is not None]
        if len(bounds) != len(ends) or bounds != sorted(set(bounds)) or (bounds and bounds[0] <= 0):
            raise ValueError("tier ends must rise strictly")
        if any(t.price_fen_per_m3 <= 0 for t in tiers):
            raise ValueError("tier prices must be positive")
        self.tiers = tiers

    def _slices(self, used: int) -> list[tuple[int, int | None, int]]:
        """(tier number, room left in it after `used`, price) for the tiers from where `used` stands."""
        slices, start = [], 0
        for number, tier in enumerate(self.tiers, 1):
            end = tier.up_to_tenths_m3
            if end is None or end > used:
                room = None if end is None else end - max(start, used)
                slices.append((number, room, tier.price_fen_per_m3))
            start = end if end is not None else start
        return slices

    def price(self, used: int, volume: int) -> Priced:
        """What `volume` costs to a household that has bought `used` this tariff year."""
        if used < 0 or volume < 0:
            raise ValueError("volumes are not negative")
        parts, left, tenth_fen = [], volume, 0
        for number, room, price in self._slices(used):
            if left == 0:
                break
            taken = left if room is None else min(left, room)
            if taken:
                parts.append(TierPart(number, taken, price))
                tenth_fen += taken * price
                left -= taken
        return Priced((tenth_fen + 5) // 10, tuple(parts))

    def volume_for(self, used: int, amount_fen: int) -> int:
        """The most tenths of a m³ that `amount_fen` pays for: price(volume) ≤ amount < price(volume + 1).

        price(v) ≤ A  ⟺  (T + 5) // 10 ≤ A  ⟺  T ≤ 10·A + 4, with T the exact cost in tenths of a fen; T
        rises strictly with v, so the tiers are filled greedily within that budget.
        """
        if used < 0 or amount_fen < 0:
            raise ValueError("volumes and amounts are not negative")
        budget, volume = 10 * amount_fen + 4, 0
        for _number, room, price in self._slices(used):
            affordable = budget // price
            taken = affordable if room is None else min(affordable, room)
            volume += taken
            budget -= taken * price
            if room is None or taken < room:
                break
        return volume

    def to_list(self) -> list[dict[str, int | None]]:
        return [tier.to_dict() for tier in self.tiers]
