"""`python -m eval.ingest_check [DIR...]`: how well ingest reads real reports, as figures.

For every report file it prints the identity ingest detects (region, level, year, date, the
years of the review and the plan, title) against the expected one, then counts:

- identity: reports with the right region, level and year (also with the file name hidden,
  so the file name cannot help);
- chrome: paragraphs that still look like page furniture by `CHROME_SHAPES` (buttons, font
  size bars, share and print lines, editor, source and time lines, licence footers, photo
  credits, the title repeated at the end of the page);
- glossary: paragraphs of a 名词解释 / 注释 appendix that are sectioned under a report part or
  carry a period.

Expected identities come from the corpus's SOURCES.md ("国务院 2019 …" → 全国, 国家, 2019;
"安徽省 2026 …" → 安徽省, 省, 2026) and from `BUNDLED` for the bundled reports. The shape
lists here are the measuring stick, written apart from the cleaner they measure.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.clean import clean_text
from assistant.ingest.loaders import load_file
from assistant.ingest.report import build_report
from assistant.types import Paragraph, Report, year_span

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = {
    "neijiang-2024.txt": ("内江市", "市", 2024),
    "neijiang-shizhong-2024.txt": ("内江市市中区", "区县", 2024),
}
_PROVINCIAL = ("省", "自治区")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")

# A paragraph that is only buttons, size switches and brackets: 下载 / 打印 / 【字号： / 加大 / 】.
_BUTTON_WORDS = (
    "下载|打印|全屏|收藏|分享|关闭|关闭窗口|打印本页|加大|还原|减小|放大|缩小|默认|"
    "字号|字体|大|中|小|复制链接|返回顶部|返回|我要纠错|纠错|微信|微博|QQ空间"
)
CHROME_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("button", re.compile(rf"^(?:[【】\[\]()（）:：|｜\s]*(?:{_BUTTON_WORDS})?)+$")),
    ("font size", re.compile(r"字号\s*[:：]|字体\s*[:：]|【\s*[大中小]\s*[大中小]")),
    ("share/print", re.compile(r"^分享(?:到)?\s*[:：]?|关闭窗口|打印本页|扫一扫")),
    ("editor", re.compile(r"^[（(【\[]?\s*(?:责任编辑|编辑|审核|校对|作者|编审)\s*[:：]")),
    (
        "source/time",
        re.compile(
            r"^(?:来源|信息来源|文章来源|时间|发布时间|发表时间|发布日期|更新时间|"
            r"阅读量|浏览量|浏览次数|点击量)\s*[:：]"
        ),
    ),
    ("time stamp", re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")),
    ("related", re.compile(r"^(?:相关报道|相关新闻|相关链接|相关阅读|相关文章)\s*[:：]?$")),
    (
        "licence",
        re.compile(
            r"公有领域|public domain|本作品.{0,40}(?:著作权|版权|许可|授权)|"
            r"^(?:true|false)$|维基文库|知识共享|creative commons",
            re.IGNORECASE,
        ),
    ),
    ("photo credit", re.compile(r"记者.{0,20}摄\s*$|摄影\s*[:：]")),
    ("breadcrumb", re.compile(r"^(?:首页|当前位置\s*[:：]?|>|›|»)$")),
)
_GLOSSARY_START = re.compile(r"^(?:.{0,20}(?:名词解释|名词注释|词语解释|注释))\s*[:：]?$")
_APPENDIX_START = re.compile(r"^(?:附件\s*\d*|附录\s*\d*|附\s*[:：])$")


@dataclass
class Row:
    file: str
    expected: tuple[str, str, int] | None
    got: tuple[str, str, int | None]
    anonymous: tuple[str, str, int | None]
    date: str
    review: tuple[int, ...]
    plan: tuple[int, ...]
    title: str
    chrome: list[tuple[str, str]]
    glossary: int
    misplaced: int


def expected_identities(corpus: Path) -> dict[str, tuple[str, str, int]]:
    """file name -> (region, level, year) from a corpus's SOURCES.md table."""
    out: dict[str, tuple[str, str, int]] = {}
    sources = corpus / "SOURCES.md"
    if not sources.exists():
        return out
    for line in sources.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2:
            continue
        match = re.match(r"^(\S+)\s+(\d{4})\s+政府工作报告", cells[1])
        if not match:
            continue
        who, year = match.group(1), int(match.group(2))
        if who == "国务院":
            out[cells[0]] = ("全国", "国家", year)
        elif who.endswith(_PROVINCIAL) or who in _MUNICIPALITIES:
            out[cells[0]] = (who, "省", year)
    return out


def chrome_paragraphs(paragraphs: list[Paragraph]) -> list[tuple[str, str]]:
    """(shape, text) of every paragraph that looks like page furniture."""
    found = []
    titles = [p.text for p in paragraphs[:12] if "工作报告" in p.text and len(p.text) <= 40]
    for i, p in enumerate(paragraphs):
        text = p.text.strip()
        for name, shape in CHROME_SHAPES:
            if shape.search(text):
                found.append((name, text))
                break
        else:
            if i >= len(paragraphs) - 5 and i > 12 and text in titles:
                found.append(("title at end", text))
    return found


def glossary_paragraphs(paragraphs: list[Paragraph]) -> tuple[int, int]:
    """(paragraphs of glossary appendices, how many of them sit in a report part or a period)."""
    total = misplaced = 0
    inside = False
    for p in paragraphs:
        text = p.text.strip()
        if _GLOSSARY_START.match(text) and len(text) <= 30:
            inside = True
            continue
        if _APPENDIX_START.match(text):
            inside = False
            continue
        if not inside:
            continue
        total += 1
        top = p.section[0] if p.section else ""
        in_appendix = bool(re.search(r"附件|附录|名词|注释|解释", top))
        if p.period or not in_appendix:
            misplaced += 1
    return total, misplaced


def read(path: Path, name: str) -> Report:
    """The report ingest makes of `path`, with `name` as the file name it is given."""
    src = load_file(path)
    return build_report(
        clean_text(src.text), path.name, title_hint=src.title, filename=name, source=str(path)
    )


def check(path: Path, expected: tuple[str, str, int] | None) -> Row:
    report = read(path, path.name)
    hidden = read(path, "report" + path.suffix)
    m, h = report.meta, hidden.meta
    paragraphs = list(report.paragraphs)
    glossary, misplaced = glossary_paragraphs(paragraphs)
    return Row(
        file=path.name,
        expected=expected,
        got=(m.region, m.level, m.year),
        anonymous=(h.region, h.level, h.year),
        date=m.date,
        review=m.review_years,
        plan=m.plan_years,
        title=m.title,
        chrome=chrome_paragraphs(paragraphs),
        glossary=glossary,
        misplaced=misplaced,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[ROOT / "eval" / "corpus"])
    parser.add_argument("--show-chrome", action="store_true", help="print every chrome line")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for folder in args.dirs:
        expected = {**expected_identities(folder), **BUNDLED}
        for path in sorted(folder.glob("*.txt")):
            rows.append(check(path, expected.get(path.name)))
    print("| file | region | level | year | anon. year | date | review | plan | ok | title |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    right = right_anon = known = 0
    for r in rows:
        ok = r.expected is not None and r.got == r.expected
        ok_anon = r.expected is not None and r.anonymous == r.expected
        known += r.expected is not None
        right += ok
        right_anon += ok_anon
        mark = "yes" if ok else ("?" if r.expected is None else f"no (want {r.expected})")
        print(
            f"| {r.file} | {r.got[0] or '–'} | {r.got[1] or '–'} | {r.got[2] or '–'} "
            f"| {r.anonymous[2] or '–'} | {r.date or '–'} | {year_span(r.review) or '–'} "
            f"| {year_span(r.plan) or '–'} "
            f"| {mark} | {r.title[:30]} |"
        )
    chrome = sum(len(r.chrome) for r in rows)
    glossary = sum(r.glossary for r in rows)
    misplaced = sum(r.misplaced for r in rows)
    print()
    print(f"reports: {len(rows)} ({known} with a known identity)")
    print(f"right region, level and year: {right}/{known}")
    print(f"  with the file name hidden: {right_anon}/{known}")
    print(f"chrome paragraphs left: {chrome} in {sum(1 for r in rows if r.chrome)} reports")
    print(
        f"glossary paragraphs: {glossary}, sectioned in a report part or given a period: {misplaced}"
    )
    if args.show_chrome:
        for r in rows:
            for shape, text in r.chrome:
                print(f"  {r.file}: [{shape}] {text[:80]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
