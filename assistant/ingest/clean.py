"""Text cleaning: one paragraph per line, and no web-site chrome around the report (pure).

Plain-text copies of web pages carry the site's navigation before the report and its
disclaimers, page address, comment box and share bar after it. These are removed only in a
head zone (the lines before the first body paragraph) and a tail zone (the lines after the
last one), so a report sentence that happens to mention 评论 or 转载 is never touched.
"""

from __future__ import annotations

import re

# Zone sizes bound how far chrome is looked for; a page's chrome is a few lines.
_HEAD_ZONE = 40
_TAIL_ZONE = 40
# Lines at most this long are "short": weak chrome patterns and skipping apply to them only.
_SHORT = 40
_MAX_PASSES = 10

_EDGE_SPACE = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")
_SENTENCE_END = "。！？；：!?;:”』」"
_CLAUSE_PUNCT = re.compile(r"[，。；！？,;]")

# Phrases only site chrome uses: a line containing one is chrome at any length.
_CHROME_ANYWHERE = re.compile(
    r"导航菜单|当前位置|您的位置|你的位置|您现在的位置"
    r"|仅代表(?:作者|本人|个人)|不代表本(?:站|网|平台)|本(?:站|网)立场"
    r"|版权所有|版权声明|免责声明"
    r"|(?:不得|禁止|谢绝|严禁|请勿)(?:任何形式)?转载|转载.{0,8}(?:注明|请|须|务必)"
    r"|本文(?:地址|链接|网址)|原文(?:链接|地址|网址)|本页(?:地址|链接)"
    r"|留言与评论|发表评论|网友评论|条评论|我要评论|验证码"
    r"|打印本页|打印此页|关闭窗口|【打印】|【关闭】|字号[:：]|收藏本页|加入收藏"
    r"|责任编辑|浏览次数|阅读次数|访问次数|点击次数|点击数[:：]|阅读量[:：]"
    r"|copyright|©|ICP备|ICP证|公网安备",
    re.IGNORECASE,
)
# Labels that start a short chrome line (a menu item, a byline field, a pager link).
_CHROME_SHORT_START = re.compile(
    r"^(?:首页|网站首页|返回首页|主页|上一篇|下一篇|上一条|下一条|上一页|下一页"
    r"|相关(?:文章|阅读|链接|推荐|新闻)|热门(?:文章|推荐|阅读)|推荐阅读|延伸阅读"
    r"|评论|留言|网址|来源|出处|作者|编辑|发布者|发布时间|发布日期|更新时间|时间|日期"
    r"|扫一扫|返回顶部|返回列表|分享到|分享)"
    r"(?:[:：\s|｜]|$)"
)
_URL_LINE = re.compile(
    r"^(?:(?:网址|链接|地址|URL)[:：]\s*)?"
    r"(?:(?:https?://|www\.)\S+|/?[\w\-./]+\.(?:s?html?|php|aspx?|jsp))$",
    re.IGNORECASE,
)
_BREADCRUMB_SEP = re.compile(r"\s*(?:>|»|›|＞|→|>>)\s*")
_STAMP_LINE = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)  # a web publication time stamp, not a report's 2024年1月18日 dateline
_DECORATION = re.compile(r"^[\W_]+$")  # dashes, bars, bullets: no word character at all
# Head lines that belong to the report even before a chrome line: title, dateline, speaker.
_REPORT_HEAD = re.compile(r"报告|代表大会|会议|[省市区县州旗]长|\d{4}\s*年")


def clean_text(text: str) -> str:
    """Normalise lines (one paragraph per line) and drop site chrome from head and tail."""
    lines = [_strip(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    # Removing chrome can bring more chrome into a zone: repeat until nothing changes,
    # so that cleaning cleaned text is a no-op.
    for _ in range(_MAX_PASSES):
        kept = _drop_tail_chrome(_drop_head_chrome(lines))
        if kept == lines:
            break
        lines = kept
    return "\n".join(lines)


def is_chrome(line: str) -> bool:
    """True for a line that is web-site furniture rather than report text."""
    if _CHROME_ANYWHERE.search(line):
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


def _strip(line: str) -> str:
    return _EDGE_SPACE.sub("", line)


def _is_body(line: str) -> bool:
    """A line that is surely report text: ends a sentence, or is a long clause-bearing line."""
    if is_chrome(line):
        return False
    return line.endswith(tuple(_SENTENCE_END)) or (
        len(line) > _SHORT and bool(_CLAUSE_PUNCT.search(line))
    )


def _drop_head_chrome(lines: list[str]) -> list[str]:
    end = 0
    while end < min(len(lines), _HEAD_ZONE) and not _is_body(lines[end]):
        end += 1
    head = lines[:end]
    chrome = [i for i, line in enumerate(head) if is_chrome(line)]
    if not chrome:
        return lines
    # Short unlabelled lines above the last chrome line are menu items, unless they read
    # like the report's own title, dateline or speaker.
    last = chrome[-1]
    kept = [
        line
        for i, line in enumerate(head)
        if not is_chrome(line) and (i > last or _REPORT_HEAD.search(line))
    ]
    return kept + lines[end:]


def _drop_tail_chrome(lines: list[str]) -> list[str]:
    cut = None
    stop = max(0, len(lines) - _TAIL_ZONE)
    for i in range(len(lines) - 1, stop - 1, -1):
        line = lines[i]
        if is_chrome(line):
            cut = i
        elif _is_body(line):
            break
        # else: a short line (a related-article link, a date) that may sit inside the chrome
    if cut is None:
        return lines
    return lines[:cut]
