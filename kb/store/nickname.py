"""Splitting a WeChat nickname into name, organisation, role and city.

The groups ask members to name themselves 昵称-公司-岗位-城市, and many do, with
'-', '_', '—' or spaces between the parts: ``Tim-魔线科技-产品总监``,
``张泽雄-民生金服 项目总监``, ``小冰 云先知 技术 杭州``. The first part is the
name; a part that is a known city is the city; the last part that ends in a
role word is the role; the first remaining part is the organisation.

Spaces between Latin words do not separate (``Ryan Cao`` and ``gone with the
wind`` are names), and a Latin name beside a short Chinese one (``Summer 梁夏``)
is one bilingual name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_EXPLICIT = "-_—－–~～|｜/"
# An explicit separator, or spaces unless they stand between two Latin letters or digits.
_SEPARATORS = re.compile(rf"\s*[{re.escape(_EXPLICIT)}]+\s*|(?<![A-Za-z0-9\s])\s+|\s++(?![A-Za-z0-9])")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 .']*")
_SHORT_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,3}")

CITIES = frozenset(
    "北京 上海 广州 深圳 杭州 南京 苏州 成都 重庆 武汉 西安 天津 长沙 郑州 济南 青岛 厦门 福州 合肥 "
    "南昌 昆明 贵阳 南宁 海口 沈阳 大连 长春 哈尔滨 石家庄 太原 呼和浩特 兰州 西宁 银川 乌鲁木齐 拉萨 "
    "宁波 无锡 东莞 佛山 珠海 香港 澳门 台北 新加坡 硅谷 帝都 魔都 温州 常州 徐州 烟台 廊坊 "
    "BJ SH SZ HZ GZ".split()
)
ROLE_WORDS = (
    "产品总监", "技术总监", "项目总监", "产品经理", "项目经理", "架构师", "工程师", "总经理", "副总裁",
    "合伙人", "创始人", "负责人", "总监", "经理", "主管", "专家", "顾问", "总裁", "董事", "运营", "产品",
    "技术", "开发", "研发", "架构", "测试", "运维", "风控", "财务", "法务", "合规", "销售", "市场", "商务",
    "设计", "打杂", "码农", "程序员", "群主", "CTO", "CEO", "COO", "CFO", "VP", "PM", "PD", "BD", "RD", "QA",
    "PL", "TL", "TechLead", "dev", "Dev", "DEV", "pm",
)
_ROLE_TAIL = re.compile("(?:" + "|".join(map(re.escape, ROLE_WORDS)) + r")$", re.IGNORECASE)


class Nickname(NamedTuple):
    name: str
    org: str | None
    role: str | None
    city: str | None


@lru_cache(maxsize=65536)
def split_nickname(nickname: str) -> Nickname:
    """Split a nickname into its parts; parts it does not carry are None."""
    nickname = nickname.strip()
    # parts without a letter, digit or Han character ('°', '?') are decoration
    parts = [p.strip() for p in _SEPARATORS.split(nickname) if any(c.isalnum() for c in p)]
    if not parts or _is_bilingual_name(nickname, parts):
        return Nickname(nickname, None, None, None)
    if len(parts) == 1:
        return Nickname(parts[0], None, None, None)
    name, city, others = parts[0], None, []
    for part in parts[1:]:
        if city is None and part in CITIES:
            city = part
        else:
            others.append(part)
    role = None
    if len(others) >= 2:
        # 民生金服 项目总监, and also 架构师-快捷通: the last part that ends in a role word
        for i in range(len(others) - 1, -1, -1):
            if _ROLE_TAIL.search(others[i]):
                role = others.pop(i)
                break
    elif len(others) == 1 and _ROLE_TAIL.fullmatch(others[0]):
        role = others.pop()
    org = others[0] if others else None
    if org and role is None:
        # 连连支付PM, 银生宝电子支付公司技术总监: a role word glued to the organisation
        tail = _ROLE_TAIL.search(org)
        if tail and tail.start() > 1:
            org, role = org[: tail.start()], org[tail.start():]
    return Nickname(name, org, role, city)


def _is_bilingual_name(nickname: str, parts: list[str]) -> bool:
    """``Summer 梁夏``, ``Jin He 何瑾``: a Latin name and a short Chinese one, with spaces only."""
    if len(parts) != 2 or any(c in _EXPLICIT for c in nickname):
        return False
    latin = [p for p in parts if _LATIN_NAME.fullmatch(p)]
    han = [p for p in parts if _SHORT_HAN_NAME.fullmatch(p) and not _ROLE_TAIL.search(p)]
    return len(latin) == 1 and len(han) == 1
