"""A small knowledge base written straight through the models: the publish tests need no extractor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from kb.store.models import Alias, Definition, Mention, Message, QAAnswer, QAPair, QATerm, Source, Term

DAY1 = [  # (time, speaker, text)
    ("09:05:40", "小林-蓝海支付-产品-上海", "请问各位，备付金和资金池有什么区别？"),
    ("09:06:31", "老周-星河银行-架构师", "备付金是指支付机构收到的预收待付货币资金，要集中存管。"),
    ("09:07:02", "老周-星河银行-架构师", "资金池一般是说平台把用户的钱混在自己账户里沉淀下来，监管不允许。"),
    ("09:20:13", "阿杰-云付科技-开发-杭州", "协议支付和代扣是一回事吗？我电话13812345678"),
    ("09:21:50", "Mia-北辰金服-PM", "协议支付就是用户先在银行签约授权，之后由支付机构按协议发起扣款。"),
]
DAY2 = [
    ("10:00:00", "老周-星河银行-架构师", "北大概念股和北大没关系，资金池也不是备付金"),
    ("10:01:00", "小冰-云付科技-风控-杭州", "卡号6222021234567890123别发群里"),
]


@dataclass
class KB:
    """Ids of what the fixture wrote, by name."""

    url: str
    terms: dict[str, int] = field(default_factory=dict)
    messages: list[int] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)


def add_day(session: Session, group: str, date: dt.date, rows: list[tuple[str, str, str]],
            links: dict[int, list[dict]] | None = None) -> list[Message]:
    source = Source(key=f"{group}/{date}.md", path=f"/logs/{group}/{date}.md", group=group, date=date,
                    title=f"{date}-WeChat", author="t", sha256="0" * 64, encoding="utf-8",
                    n_messages=len(rows), ingested_at=dt.datetime(2024, 1, 1))
    session.add(source)
    session.flush()
    messages = []
    for seq, (time, speaker, text) in enumerate(rows):
        message = Message(source_id=source.id, group=group, date=date, time=time, seq=seq, line=seq * 4 + 8,
                          speaker=speaker, speaker_name=speaker.split("-")[0], kind="text", text=text, raw=text,
                          links=(links or {}).get(seq, []))
        session.add(message)
        messages.append(message)
    session.flush()
    return messages


def add_term(session: Session, canonical: str, status: str = "approved", **fields) -> Term:
    from kb.store.normalize import term_key

    aliases = fields.pop("aliases", [])
    term = Term(canonical=canonical, key=term_key(canonical), status=status, **fields)
    session.add(term)
    session.flush()
    for alias in aliases:
        session.add(Alias(term_id=term.id, alias=alias, key=term_key(alias), origin="curated"))
    return term


def mention_all(session: Session, terms: list[Term], messages: list[Message]) -> None:
    """Mentions as an extractor would store them: every occurrence, overlapping ones included."""
    for message in messages:
        for term in terms:
            start = message.text.find(term.canonical)
            while start >= 0:
                session.add(Mention(term_id=term.id, message_id=message.id, start=start,
                                    end=start + len(term.canonical), surface=term.canonical))
                start = message.text.find(term.canonical, start + 1)


def fill(url: str) -> KB:
    """Two chat days, approved/candidate/rejected/merged terms, a candidate definition and a Q&A pair."""
    from kb.store import open_db

    engine = open_db(url)
    kb = KB(url)
    with Session(engine) as session:
        day1 = add_day(session, "paydemo", dt.date(2024, 3, 4), DAY1)
        day2 = add_day(session, "payarch", dt.date(2024, 3, 5), DAY2)
        reserve = add_term(session, "备付金", score=5.0, english="customer reserve funds", category="监管",
                           definition="支付机构收到的预收待付货币资金。", aliases=["客户备付金"])
        pool = add_term(session, "资金池", score=4.0, english="cash pool", category="监管",
                        definition="把用户资金混在平台账户里沉淀，和备付金的集中存管相反。", related=["协议支付"])
        agreement = add_term(session, "协议支付", status="candidate", score=3.0)
        rejected = add_term(session, "一回事", status="rejected", score=9.0)
        merged = add_term(session, "资金沉淀池", status="merged", score=1.0)
        merged.merged_into_id = pool.id
        beida = add_term(session, "北大", status="candidate", score=1.0)
        concept = add_term(session, "北大概念股", status="candidate", score=1.0)
        mention_all(session, [reserve, pool, agreement, rejected, beida, concept], day1 + day2)
        session.add(Definition(term_id=agreement.id, message_id=day1[4].id, text=day1[4].text, pattern="就是",
                               score=0.9))
        pair = QAPair(question_id=day1[0].id, score=0.9)
        session.add(pair)
        session.flush()
        session.add(QAAnswer(pair_id=pair.id, message_id=day1[1].id, rank=0, score=0.8))
        session.add(QAAnswer(pair_id=pair.id, message_id=day1[2].id, rank=1, score=0.7))
        session.add_all([QATerm(pair_id=pair.id, term_id=reserve.id), QATerm(pair_id=pair.id, term_id=pool.id)])
        session.commit()
        kb.terms = {t.canonical: t.id for t in (reserve, pool, agreement, rejected, merged, beida, concept)}
        kb.messages = [m.id for m in day1 + day2]
        kb.sources = [day1[0].source_id, day2[0].source_id]
    engine.dispose()
    return kb
