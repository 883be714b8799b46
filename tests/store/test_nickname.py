"""kb.store.nickname: name, organisation, role and city from a WeChat nickname."""

from __future__ import annotations

import pytest

from kb.store.nickname import split_nickname

# (nickname as written, name, org, role, city); all taken from the shapes found in the corpus
NICKNAMES = [
    ("thq", "thq", None, None, None),
    ("我", "我", None, None, None),
    ("Tim-魔线科技-产品总监", "Tim", "魔线科技", "产品总监", None),
    ("张泽雄-民生金服 项目总监", "张泽雄", "民生金服", "项目总监", None),
    ("小冰 云先知 技术 杭州", "小冰", "云先知", "技术", "杭州"),
    ("龚晓冬-银商账户-产品-上海", "龚晓冬", "银商账户", "产品", "上海"),
    ("胖民工-成都-金信服-打杂", "胖民工", "金信服", "打杂", "成都"),
    ("洪宇明_平安科技_开发经理_深圳", "洪宇明", "平安科技", "开发经理", "深圳"),
    ("凡艳辉 | 即信 | 产品 | 上海", "凡艳辉", "即信", "产品", "上海"),
    ("王月卿～华胜～产品经理～北京", "王月卿", "华胜", "产品经理", "北京"),
    ("武爱旗－易宝－产品－北京", "武爱旗", "易宝", "产品", "北京"),
    ("舒俊～产品", "舒俊", None, "产品", None),
    ("胡新松-银联", "胡新松", "银联", None, None),
    # a role glued to the organisation
    ("潘儒刚-连连支付PM", "潘儒刚", "连连支付", "PM", None),
    ("孔晓光 丰瑞祥CTO", "孔晓光", "丰瑞祥", "CTO", None),
    ("程文东-拉卡拉PL", "程文东", "拉卡拉", "PL", None),
    # the role before the organisation
    ("袁军-架构师-快捷通", "袁军", "快捷通", "架构师", None),
    ("李丹-风控经理-双乾支付", "李丹", "双乾支付", "风控经理", None),
    ("胡圣 支付产品经理 猪八戒网", "胡圣", "猪八戒网", "支付产品经理", None),
    ("Chess-技术总监 首付游", "Chess", "首付游", "技术总监", None),
    ("Codefor-YMT-TechLead-BJ", "Codefor", "YMT", "TechLead", "BJ"),
    # Latin names with spaces stay whole
    ("Ryan Cao", "Ryan Cao", None, None, None),
    ("gone with the wind", "gone with the wind", None, None, None),
    ("Ryan  Cao", "Ryan  Cao", None, None, None),
    ("sun rain-易贷网PM", "sun rain", "易贷网", "PM", None),
    ("Ryan Cao-PayPal-PM-上海", "Ryan Cao", "PayPal", "PM", "上海"),
    # a bilingual name is one name
    ("Summer 梁夏", "Summer 梁夏", None, None, None),
    ("Jin He 何瑾", "Jin He 何瑾", None, None, None),
    # decoration is dropped
    ("Stranger °", "Stranger", None, None, None),
    ("韩倩～", "韩倩", None, None, None),
    ("  thq  ", "thq", None, None, None),
]


@pytest.mark.parametrize(("nickname", "name", "org", "role", "city"), NICKNAMES, ids=[n[0] for n in NICKNAMES])
def test_split_nickname(nickname: str, name: str, org: str | None, role: str | None, city: str | None) -> None:
    assert tuple(split_nickname(nickname)) == (name, org, role, city)


def test_fields_are_named() -> None:
    parts = split_nickname("Tim-魔线科技-产品总监")
    assert (parts.name, parts.org, parts.role, parts.city) == ("Tim", "魔线科技", "产品总监", None)
