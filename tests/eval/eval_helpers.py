"""Synthetic chat logs and digests for the eval tests (imported by conftest and the tests)."""

from __future__ import annotations

from pathlib import Path


def write_log(folder: Path, group: str, day: str, messages: list[tuple[str, str, str]]) -> Path:
    """Write a cocolian log ``folder/group/<day>-chat.markdown`` of (time, speaker, text) messages."""
    lines = ["---", "layout:     source", f'title:      "{day}-WeChat"', f"date:       {day} 12:00:00",
             'author:     "PaymentGroup"', "---"]
    for time, speaker, text in messages:
        lines += [f"> {time}  {speaker}  ", "   ", f"{text}  ", "   "]
    path = folder / group / f"{day}-chat.markdown"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def digest_text(day: str, body: str, title: str = "聊天记录整理") -> str:
    return (f'---\nlayout:     post\ntitle:      "{title}"\ndate:       {day} 12:00:00\n'
            f'author:     "PaymentGroup"\n---\n{body}')


# One day of the main group (proddev) and a quiet day of another group.
PROD_0522 = [
    ("09:00:01", "我", "早上好，今天的分享稍后开始"),
    ("10:52:11", "小林-蓝海支付-产品", "请教一下，活期自动买理财这个机制不知道怎么设计的，有点慢"),
    ("10:53:40", "老周-星河银行-架构", "拆标，10000元的标的拆成100个100元债权，按用户顺序依次竞购"),
    ("10:54:02", "老周-星河银行-架构", "用户量有点大，每天能竞购三轮左右"),
    ("10:55:00", "阿杰-云付科技-开发", "[强]"),
    ("11:10:00", "阿杰-云付科技-开发", "两个机房的交易通过消息中间件来分流"),
    ("11:10:30", "阿杰-云付科技-开发", "那中间件本身不还是单点吗？"),
    ("11:12:00", "老周-星河银行-架构", "消息中间件自己也是集群部署的，跨机房同步"),
    ("14:00:00", "小林-蓝海支付-产品", "备付金和资金池有什么区别？"),
    ("14:01:00", "老周-星河银行-架构", "资金池是平台把用户的钱沉淀在自己账户里，监管明确禁止"),
]
ARCH_0523 = [
    ("09:30:00", "王五-某银行-PM", "跨境支付的结算币种一般怎么选择？人民币还是美元？"),
    ("09:31:00", "赵六-某支付-产品", "看商户所在地，一般按当地币种结算，换汇由收单行做"),
    ("16:00:00", "钱七-某公司-开发", "备付金和资金池有什么区别？"),
]


DIGEST_BODY = """
> 本文档从“支付产品技术交流群”的2017年5月23日聊天记录整理出来。

> 关键词：拆标  资金池

## 一、理财

Q1：活期自动买理财这个机制不知道怎么设计？
A1：拆标，10000元的标的拆成100个100元债权，按用户顺序依次竞购；用户量有点大，每天能竞购三轮左右。

Q2：两个机房的交易通过消息中间件来分流，那中间件本身不还是单点吗？
A1：消息中间件自己也是集群部署的，跨机房同步。

Q3：备付金和资金池有什么区别？
A1：资金池是平台把用户的钱沉淀在自己账户里，监管明确禁止。

## 二、跨境

Q1：跨境支付的结算币种一般怎么选择？
> 看商户所在地，一般按当地币种结算，换汇由收单行做。

Q2：有什么建议？
"""
