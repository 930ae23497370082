"""Text cleaning: one paragraph per line, and no web-site chrome anywhere in it (pure).

Two kinds of input need their lines repaired first. Texts laid out with blank lines between
paragraphs (wiki exports, some plain-text copies) break lines inside a paragraph wherever a
link or a footnote mark stood; those lines are joined back into one paragraph.

Chrome is recognised by its shape, never by one site's strings:

- a line that only chrome writes (print/download/favourite buttons, a 【字号：加大 还原 减小】
  bar even when it is split over lines, share and close-window lines, editor lines, empty
  来源/时间 labels, time stamps, photo credits, licence statements) is dropped anywhere in the
  page, unless it reads like a report sentence;
- weaker lines (a 来源：X label, a lone bracket, a single size character, a breadcrumb item)
  are dropped only next to such a line, so a 来源：统计局 line inside the report stays;
- the head zone (before the first body paragraph) and the tail zone (after the last one) are
  cleaned harder: menu items above the last chrome line, short lines below the first one,
  a title block printed twice, and the title repeated at the end of the page go;
- a licence footer near the end takes the few lines after it with it.
"""

from __future__ import annotations

import re

from ..vocab import HEADING_MARKER, LINE_END, UNIT_CHARS

# Zone sizes bound how far chrome is looked for; a page's chrome is a few lines.
_HEAD_ZONE = 40
_TAIL_ZONE = 40
# Lines at most this long are "short": weak chrome patterns and skipping apply to them only.
_SHORT = 40
_MAX_PASSES = 10
# A text is laid out in blank-line separated blocks when it has at least this many blocks per
# non-blank line (a one-paragraph-a-line text has one block, or a few around its parts).
_BLOCK_SHARE = 0.3
_MIN_BLOCKS = 5
# A licence footer takes at most this much text after it with it.
_LICENCE_TAIL_CHARS = 400
_LICENCE_TAIL_LINES = 12

_EDGE_SPACE = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")
_SENTENCE_END = LINE_END
# Clause punctuation of body text (colons left out: site chrome has them, 来源：…).
_CLAUSE_PUNCT = re.compile(r"[，。；！？,;]")
_LATIN_END = re.compile(r"[A-Za-z]$")
_LATIN_START = re.compile(r"^[A-Za-z]")
# What opens a new paragraph inside a block: an outline marker.
_PARAGRAPH_MARKER = re.compile(HEADING_MARKER)

# Phrases only site chrome uses: a line containing one is chrome at any length, unless it
# reads like a report sentence.
_CHROME_ANYWHERE = re.compile(
    r"导航菜单|当前位置|您的位置|你的位置|您现在的位置"
    r"|仅代表(?:作者|本人|个人)|不代表本(?:站|网|平台)|本(?:站|网)立场"
    r"|版权所有|版权声明|免责声明"
    r"|(?:不得|禁止|谢绝|严禁|请勿)(?:任何形式)?转载|转载.{0,8}(?:注明|请|须|务必)"
    r"|本文(?:地址|链接|网址)|原文(?:链接|地址|网址)|本页(?:地址|链接)"
    r"|留言与评论|发表评论|网友评论|条评论|我要评论|验证码"
    r"|打印本页|打印此页|关闭窗口|关闭本页|【打印】|【关闭】|字号[:：]|字体[:：]|收藏本页|加入收藏"
    r"|扫一扫|在手机(?:上)?打开|手机扫码|分享到"
    r"|责任编辑|浏览次数|阅读次数|访问次数|点击次数|点击数[:：]|阅读量[:：]|浏览量[:：]"
    r"|copyright|©|ICP备|ICP证|公网安备",
    re.IGNORECASE,
)
# Licence statements of the text's source: dropped even when they read like sentences.
_LICENCE = re.compile(
    r"公有领域|public\s+domain|本作品.{0,60}(?:著作权|版权|许可|授权|公有)"
    r"|知识共享|creative\s+commons|\bCC[- ]BY\b|\bGFDL\b|自由文档许可",
    re.IGNORECASE,
)
_LICENCE_FLAGS = re.compile(r"^(?:(?:true|false|public\s+domain)\s*)+$", re.IGNORECASE)
# Buttons and switches of a page toolbar; a line made only of these (and brackets) is chrome.
_BUTTON = (
    r"下载|打印|全屏|收藏|分享|关闭|关闭窗口|打印本页|加大|还原|减小|放大|缩小|默认|字号|字体"
    r"|返回顶部|返回|纠错|我要纠错|复制链接|微信|微博|QQ空间|朋友圈|大字版|无障碍|读屏|语音播报"
)
_BUTTON_LINE = re.compile(
    rf"^(?:[【】\[\]（）()<>|｜:：·\s]*(?:{_BUTTON}))+[【】\[\]（）()|｜:：·\s]*$"
)
_SIZE_CHAR = re.compile(r"^[【\[]?[大中小][】\]]?$")
# Byline labels of a web page; with no value, or a time stamp as value, they are chrome.
_BYLINE_LABEL = (
    r"来源|信息来源|文章来源|稿件来源|出处|作者|时间|日期|发布时间|发表时间|发布日期|更新时间"
    r"|成文日期|发文日期|阅读量|浏览量|点击量|访问量|编辑|责任编辑|审核|校对|终审|初审|责编|供稿"
)
_EMPTY_BYLINE = re.compile(rf"^[（(【\[]?\s*(?:{_BYLINE_LABEL})\s*[:：]\s*[）)】\]]?$")
_TIMED_BYLINE = re.compile(
    rf"^(?:{_BYLINE_LABEL})\s*[:：]\s*\d{{4}}[-/.年]\d{{1,2}}[-/.月]\d{{1,2}}日?"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
_BRACKETED_BYLINE = re.compile(rf"^[（(【\[]\s*(?:{_BYLINE_LABEL})\s*[:：].{{1,30}}[）)】\]]$")
_EDITOR = re.compile(r"^[（(【\[]?\s*(?:责任编辑|编辑|审核|校对|终审|初审|责编|编审)\s*[:：]")
_BYLINE = re.compile(rf"^(?:{_BYLINE_LABEL})\s*[:：]")
# A photo credit: "…。本报记者 戴冰摄", "…。甘肃日报记者 盛学卿" (it ends with a name, not a
# sentence mark), "摄影：…".
_PHOTO_CREDIT = re.compile(
    r"(?:记者|通讯员|摄影).{0,20}摄\s*$|(?:^|。)[^，。]{0,20}(?:记者|通讯员)\s*[^，。；]{1,12}$"
    r"|^(?:摄影|图片)\s*[:：]"
)
# A photo caption: "省长赵刚作政府工作报告", "张工作政府工作报告。".
_CAPTION_LINE = re.compile(r"^[^，。,]{1,25}作(?:政府)?工作报告[。.]?$")
_RELATED = re.compile(
    r"^(?:相关(?:报道|新闻|文章|阅读|链接|推荐|稿件|专题)|延伸阅读|推荐阅读|热门(?:文章|推荐|阅读))"
    r"\s*[:：]?$"
)
# Labels that start a short chrome line (a menu item, a byline field, a pager link).
_CHROME_SHORT_START = re.compile(
    r"^(?:首页|网站首页|返回首页|主页|上一篇|下一篇|上一条|下一条|上一页|下一页"
    r"|相关(?:文章|阅读|链接|推荐|新闻|报道)|热门(?:文章|推荐|阅读)|推荐阅读|延伸阅读"
    r"|评论|留言|网址|来源|出处|作者|编辑|发布者|发布时间|发表时间|发布日期|更新时间|时间|日期"
    r"|扫一扫|返回顶部|返回列表|分享到|分享)"
    r"(?:[:：\s|｜]|$)"
)
_URL_LINE = re.compile(
    r"^(?:(?:网址|链接|地址|URL)[:：]\s*)?"
    r"(?:(?:https?://|www\.)\S+|/?[\w\-./]+\.(?:s?html?|php|aspx?|jsp))$",
    re.IGNORECASE,
)
_BREADCRUMB_SEP = re.compile(r"\s*(?:>|»|›|＞|→|>>)\s*")
_SEPARATOR_LINE = re.compile(r"^(?:>|»|›|＞|→|>>|/|\|)$")
_STAMP_LINE = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)  # a web publication time stamp, not a report's 2024年1月18日 dateline
_DECORATION = re.compile(r"^[\W_]+$")  # dashes, bars, bullets: no word character at all
# Head lines that belong to the report even before a chrome line: title, dateline, speaker.
_REPORT_HEAD = re.compile(rf"报告|代表大会|会议|[{UNIT_CHARS}]长|主席|总理|\d{{4}}\s*年")
# A photo caption in the title block: "省长某某作政府工作报告".
_CAPTION = re.compile(r"作(?:政府)?工作报告[。.]?$")


def clean_text(text: str) -> str:
    """Normalise lines (one paragraph per line) and drop site chrome wherever it stands."""
    lines = unwrap_lines(text)
    # Removing chrome can bring more chrome into a zone: repeat until nothing changes,
    # so that cleaning cleaned text is a no-op.
    for _ in range(_MAX_PASSES):
        kept = _drop_chrome_runs(_drop_licence_footer(lines))
        kept = _drop_tail_chrome(_drop_head_chrome(kept))
        kept = _drop_repeated_title_block(kept)
        if kept == lines:
            break
        lines = kept
    return "\n".join(lines)


def unwrap_lines(text: str) -> list[str]:
    """Stripped, non-empty lines; in a blank-line layout, one line per blank-line block."""
    raw: list[str] = []
    for line in text.splitlines():
        stripped = _strip(line)
        if not stripped and line.strip():
            continue  # only zero-width characters: not a paragraph break
        raw.append(stripped)
    blocks: list[list[str]] = [[]]
    for line in raw:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    lines = sum(len(b) for b in blocks)
    if len(blocks) < _MIN_BLOCKS or len(blocks) < _BLOCK_SHARE * lines:
        return [line for b in blocks for line in b]
    out: list[str] = []
    for block in blocks:
        merged = [block[0]]
        for line in block[1:]:
            prev = merged[-1]
            if prev.endswith(tuple(_SENTENCE_END)) and _PARAGRAPH_MARKER.match(line):
                merged.append(line)
            else:
                sep = " " if _LATIN_END.search(prev) and _LATIN_START.search(line) else ""
                merged[-1] = prev + sep + line
        out.extend(merged)
    return out


def is_chrome(line: str) -> bool:
    """True for a line that is web-site furniture rather than report text (in the head or tail
    zone; in the body only `_strong_chrome` lines are)."""
    if _CHROME_ANYWHERE.search(line) or _strong_chrome(line):
        return True
    if len(line) > _SHORT * 2:
        return False
    if _URL_LINE.match(line) or _STAMP_LINE.match(line) or _DECORATION.match(line):
        return True
    if not _CLAUSE_PUNCT.search(line):
        if "首页" in line:  # a menu bar: 首页 新闻 政务公开 ...
            return True
        parts = [p for p in _BREADCRUMB_SEP.split(line) if p]
        if len(parts) >= 2 and all(len(p) <= 30 for p in parts):  # 首页 > 报告 > 西南
            return True
    return len(line) <= _SHORT and bool(_CHROME_SHORT_START.match(line))


def _strong_chrome(line: str) -> bool:
    """Chrome by its shape alone, wherever it stands in the page."""
    if _LICENCE.search(line) or _LICENCE_FLAGS.match(line):
        return True
    if _reads_like_report(line):
        return False
    if _CHROME_ANYWHERE.search(line) or _PHOTO_CREDIT.search(line) or _CAPTION_LINE.match(line):
        return True
    if len(line) > _SHORT:
        return False
    return bool(
        _BUTTON_LINE.match(line)
        or _EMPTY_BYLINE.match(line)
        or _TIMED_BYLINE.match(line)
        or _BRACKETED_BYLINE.match(line)
        or _EDITOR.match(line)
        or _RELATED.match(line)
        or _STAMP_LINE.match(line)
        or _URL_LINE.match(line)
        or _SEPARATOR_LINE.match(line)
    )


def _weak_chrome(line: str) -> bool:
    """Lines that are chrome when they stand next to chrome (a byline value, a lone bracket)."""
    if len(line) > _SHORT or line.endswith(tuple(_SENTENCE_END)):
        return False
    return bool(
        _BYLINE.match(line)
        or _SIZE_CHAR.match(line)
        or _DECORATION.match(line)
        or (len(line) <= 2 and not _PARAGRAPH_MARKER.match(line))
    )


def _reads_like_report(line: str) -> bool:
    """A sentence of prose: ends like a sentence and has a clause inside."""
    return line.endswith(tuple("。！？!?")) and len(_CLAUSE_PUNCT.findall(line)) >= 2


def _strip(line: str) -> str:
    return _EDGE_SPACE.sub("", line)


def _is_body(line: str) -> bool:
    """A line that is surely report text: ends a sentence, or is a long clause-bearing line."""
    if is_chrome(line):
        return False
    return line.endswith(tuple(_SENTENCE_END)) or (
        len(line) > _SHORT and bool(_CLAUSE_PUNCT.search(line))
    )


def _drop_chrome_runs(lines: list[str]) -> list[str]:
    """Drop strong chrome anywhere, with the weak chrome and breadcrumb items around it."""
    strong = [_strong_chrome(line) for line in lines]
    weak = [_weak_chrome(line) for line in lines]
    for i, line in enumerate(lines):
        if strong[i] or weak[i] or len(line) > 20 or _CLAUSE_PUNCT.search(line):
            continue
        # A short item between breadcrumb separators, or the value under an empty label.
        before = lines[i - 1] if i else ""
        after = lines[i + 1] if i + 1 < len(lines) else ""
        if _SEPARATOR_LINE.match(before) or _SEPARATOR_LINE.match(after):
            weak[i] = True
        weak[i] = weak[i] or bool(_EMPTY_BYLINE.match(before))
    drop = [False] * len(lines)
    i = 0
    while i < len(lines):
        if not (strong[i] or weak[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and (strong[j] or weak[j]):
            j += 1
        if any(strong[i:j]):
            drop[i:j] = [True] * (j - i)
        i = j
    # A related-articles label takes the link titles under it.
    for i, line in enumerate(lines):
        if drop[i] and _RELATED.match(line):
            k = i + 1
            while k < len(lines) and not _is_body(lines[k]) and len(lines[k]) <= _SHORT:
                drop[k] = True
                k += 1
    return [line for line, d in zip(lines, drop, strict=True) if not d]


def _drop_licence_footer(lines: list[str]) -> list[str]:
    """A licence statement near the end ends the page: drop it and the little after it."""
    for i in range(max(0, len(lines) - _LICENCE_TAIL_LINES), len(lines)):
        if _LICENCE.search(lines[i]):
            if sum(len(line) for line in lines[i + 1 :]) <= _LICENCE_TAIL_CHARS:
                return lines[:i]
            break
    return lines


def _head_end(lines: list[str]) -> int:
    end = 0
    while end < min(len(lines), _HEAD_ZONE) and not _is_body(lines[end]):
        end += 1
    return end


def _drop_head_chrome(lines: list[str]) -> list[str]:
    end = _head_end(lines)
    head = lines[:end]
    chrome = [i for i, line in enumerate(head) if is_chrome(line) or _CAPTION.search(line)]
    if not chrome:
        return lines
    # Short unlabelled lines above the last chrome line are menu items, unless they read
    # like the report's own title, dateline or speaker.
    last = chrome[-1]
    kept = [
        line
        for i, line in enumerate(head)
        if i not in chrome and (i > last or _REPORT_HEAD.search(line))
    ]
    return kept + lines[end:]


def _drop_tail_chrome(lines: list[str]) -> list[str]:
    cut = None
    stop = max(0, len(lines) - _TAIL_ZONE)
    head = set(lines[: _head_end(lines)])
    for i in range(len(lines) - 1, stop - 1, -1):
        line = lines[i]
        if is_chrome(line) or (line in head and not _is_body(line)):
            cut = i
        elif _is_body(line):
            break
        # else: a short line (a related-article link, a date) that may sit inside the chrome
    if cut is None:
        return lines
    return lines[:cut]


def _drop_repeated_title_block(lines: list[str]) -> list[str]:
    """A title or dateline printed twice before the report starts is kept once."""
    end = _head_end(lines)
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines[:end]:
        if line in seen:
            continue
        seen.add(line)
        kept.append(line)
    return kept + lines[end:] if len(kept) < end else lines
