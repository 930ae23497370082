"""A synthetic corpus of government-work-report-like documents, for the scale benchmark.

Each report is made from the paragraphs of the bundled reports: it keeps their outline (the
一、/（一） headings in order), drops some body paragraphs and takes others from another
report, then moves it to another place and year and changes its figures — every year shifts
by the same offset, every number outside a year is scaled by a factor drawn per report with a
small jitter per figure, and the bundled reports' place names become the new place's. The
title line names the new place and year, so each report is indexed as its own document.

The same seed gives the same corpus, byte for byte.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Prefecture-level cities and one of their districts or counties (real names, so jieba and
# the metadata detector treat them as places).
PLACES: tuple[tuple[str, str], ...] = (
    ("自贡市", "自流井区"), ("泸州市", "江阳区"), ("德阳市", "旌阳区"), ("绵阳市", "涪城区"),
    ("广元市", "利州区"), ("遂宁市", "船山区"), ("乐山市", "五通桥区"), ("南充市", "顺庆区"),
    ("眉山市", "东坡区"), ("宜宾市", "翠屏区"), ("广安市", "广安区"), ("达州市", "通川区"),
    ("雅安市", "雨城区"), ("巴中市", "巴州区"), ("资阳市", "雁江区"), ("攀枝花市", "东区"),
    ("昆明市", "五华区"), ("贵阳市", "南明区"), ("遵义市", "汇川区"), ("曲靖市", "麒麟区"),
    ("玉溪市", "红塔区"), ("柳州市", "城中区"), ("桂林市", "秀峰区"), ("株洲市", "荷塘区"),
    ("湘潭市", "雨湖区"), ("衡阳市", "珠晖区"), ("岳阳市", "岳阳楼区"), ("常德市", "武陵区"),
    ("宜昌市", "西陵区"), ("襄阳市", "襄城区"), ("荆州市", "沙市区"), ("九江市", "浔阳区"),
    ("赣州市", "章贡区"), ("芜湖市", "镜湖区"), ("蚌埠市", "龙子湖区"), ("洛阳市", "老城区"),
    ("开封市", "龙亭区"), ("新乡市", "红旗区"), ("淄博市", "张店区"), ("潍坊市", "潍城区"),
    ("济宁市", "任城区"), ("徐州市", "鼓楼区"), ("扬州市", "广陵区"), ("嘉兴市", "南湖区"),
    ("绍兴市", "越城区"), ("泉州市", "鲤城区"), ("汕头市", "金平区"), ("湛江市", "赤坎区"),
    ("包头市", "昆都仑区"), ("大同市", "平城区"), ("保定市", "竞秀区"), ("唐山市", "路南区"),
    ("吉林市", "船营区"), ("齐齐哈尔市", "龙沙区"), ("宝鸡市", "渭滨区"), ("天水市", "秦州区"),
)  # fmt: skip

# Place names of the bundled reports, longest first so 内江市市中区 is replaced whole.
SOURCE_PLACES = ("内江市市中区", "市中区", "内江市", "内江")

_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=\s*年)")
# A figure: digits with an optional decimal part, not part of a longer run of digits.
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])")


@dataclass(frozen=True)
class SyntheticReport:
    """One generated report: a file name, a title and its text."""

    doc_id: str
    title: str
    region: str
    year: int
    text: str


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _body_start(paragraphs: Sequence[str]) -> int:
    """Index of the first heading: what comes before is the title block and the opening."""
    for i, p in enumerate(paragraphs):
        if _HEADING.match(p):
            return i
    return 0


def _scale_figures(text: str, rng: random.Random, factor: float) -> str:
    years = {m.start(1) for m in _YEAR.finditer(text)}

    def repl(m: re.Match[str]) -> str:
        if m.start(1) in years:
            return m.group(1)
        raw = m.group(1)
        after = text[m.end(1) : m.end(1) + 4]
        # Rates move less than amounts: 7.0% becomes 6.3% or 7.8%, not 14%.
        scale = 1 + (factor - 1) * 0.2 if after.startswith(("%", "％", "个百分点")) else factor
        value = float(raw) * scale * rng.uniform(0.9, 1.1)
        if "." in raw:
            return f"{value:.{len(raw.split('.')[1])}f}"
        return str(max(1, round(value))) if int(raw) > 0 else raw

    return _NUMBER.sub(repl, text)


def _move(text: str, city: str, district: str, shift: int) -> str:
    stem = city[:-1]
    for old in SOURCE_PLACES:
        new = {"内江市市中区": city + district, "市中区": district, "内江市": city}.get(old, stem)
        text = text.replace(old, new)
    return _YEAR.sub(lambda m: str(int(m.group(1)) + shift), text)


def generate(
    sources: Sequence[str], n: int, seed: int = 7, start: int = 0
) -> list[SyntheticReport]:
    """Reports number `start` to `start + n - 1` of the corpus drawn from `sources` (texts)."""
    if not sources:
        raise ValueError("the synthetic corpus needs at least one source report")
    parsed = [_paragraphs(t) for t in sources]
    bodies = [p[_body_start(p) :] for p in parsed]
    pool = [para for body in bodies for para in body if not _HEADING.match(para)]
    out = []
    for i in range(start, start + n):
        rng = random.Random(f"{seed}:{i}")
        base = bodies[i % len(bodies)]
        city, district = PLACES[rng.randrange(len(PLACES))]
        county_level = i % len(bodies) == 1 and len(bodies) > 1
        region = city + district if county_level else city
        shift = rng.randint(-8, 1)
        year = 2024 + shift
        factor = rng.uniform(0.5, 2.0)
        paras = []
        for para in base:
            if _HEADING.match(para):
                paras.append(para)
                continue
            roll = rng.random()
            if roll < 0.15:
                continue  # dropped
            if roll < 0.40:
                para = pool[rng.randrange(len(pool))]  # taken from another report
            paras.append(para)
        body = "\n\n".join(
            _scale_figures(_move(p, city, district, shift), rng, factor) for p in paras
        )
        title = f"{region}人民政府工作报告（{year}）"
        opening = f"各位代表：\n\n我代表{'区' if county_level else '市'}人民政府，向大会报告工作，请予审议。"
        doc_id = f"synth-{i:04d}-{region}-{year}.txt"
        out.append(
            SyntheticReport(doc_id, title, region, year, f"{title}\n\n{opening}\n\n{body}\n")
        )
    return out


def write_corpus(reports: Sequence[SyntheticReport], folder: Path) -> list[Path]:
    """Write each report as a UTF-8 text file named by its document id."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for r in reports:
        path = folder / r.doc_id
        path.write_text(r.text, encoding="utf-8")
        paths.append(path)
    return paths
