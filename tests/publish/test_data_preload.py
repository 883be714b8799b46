"""kb.publish.data.preload: what kb build reads of the wiki's data while the Q&A pairs are linked
is, with the rest read after (load(preloaded=…)), what load() reads at once."""

from __future__ import annotations

import sqlalchemy as sa
from publish_data import fill

from kb.publish import data as data_module
from kb.store import open_db
from kb.store.models import QAAnswer, QAPair, QATerm


def test_the_preloaded_data_completed_is_the_data_loaded_at_once(db_url):
    kb = fill(db_url)
    engine = open_db(kb.url)
    with engine.begin() as conn:  # the pairs are not there yet while preload reads
        pairs = [dict(row._mapping) for row in conn.execute(sa.select(QAPair.__table__))]
        answers = [dict(row._mapping) for row in conn.execute(sa.select(QAAnswer.__table__))]
        about = [dict(row._mapping) for row in conn.execute(sa.select(QATerm.__table__))]
        for table in (QATerm, QAAnswer, QAPair):
            conn.execute(sa.delete(table.__table__))
    assert pairs and answers and about
    preloaded = data_module.preload(engine)
    assert preloaded.messages and preloaded.spans and all(not t.qa for t in preloaded.terms)
    with engine.begin() as conn:  # then they are stored
        conn.execute(sa.insert(QAPair.__table__), pairs)
        conn.execute(sa.insert(QAAnswer.__table__), answers)
        conn.execute(sa.insert(QATerm.__table__), about)
    completed = data_module.load(engine, preloaded=preloaded)
    at_once = data_module.load(engine)
    assert completed.qa and any(t.qa for t in completed.terms) and any(t.examples for t in completed.terms)
    assert completed == at_once
    engine.dispose()


def test_a_focused_load_reads_everything_itself(db_url):
    """A render that makes only some pages (an append) does not use what was preloaded."""
    kb = fill(db_url)
    engine = open_db(kb.url)
    stale = data_module.preload(engine)
    stale.terms.clear()
    stale.by_id.clear()
    focused = data_module.load(engine, preloaded=stale, focus=lambda partial: ({s.id for s in partial.sources},
                                                                              {t.id for t in partial.terms}, None))
    assert focused.terms and focused == data_module.load(engine)
    engine.dispose()


def test_the_readings_read_ahead_are_saved_with_the_rest(db_url):
    from kb.publish import pinyin as py
    from kb.store.models import Setting

    kb = fill(db_url)
    engine = open_db(kb.url)
    with engine.begin() as conn:
        conn.execute(sa.delete(Setting.__table__).where(Setting.key.in_([py.SETTING_KEY, py.CHARS_KEY])))
    preloaded = data_module.preload(engine)

    def saved() -> dict:
        with engine.connect() as conn:
            return dict(conn.execute(sa.select(Setting.key, Setting.value)
                                     .where(Setting.key.in_([py.SETTING_KEY, py.CHARS_KEY]))).all())
    assert saved() == {}  # preload writes nothing
    completed = data_module.load(engine, preloaded=preloaded)
    assert completed.terms[0].pinyin
    kept = saved()
    assert set(kept) == {py.SETTING_KEY, py.CHARS_KEY} and kept[py.SETTING_KEY]
    with engine.begin() as conn:
        conn.execute(sa.delete(Setting.__table__).where(Setting.key.in_([py.SETTING_KEY, py.CHARS_KEY])))
    data_module.load(engine)
    assert saved() == kept  # what load() at once keeps
    engine.dispose()


def test_a_terms_pairs_asked_about_it_come_first_either_way(db_url):
    # the pair asking about 备付金 (0.9) before a better one (0.95) that only its answer links to it;
    # without the messages load() finds what each question names by a query; with them (all, or a
    # focused render's), or from what preload read, by the mentions it read
    kb = fill(db_url)
    engine = open_db(kb.url)
    with engine.begin() as conn:
        pair_id = conn.execute(sa.insert(QAPair.__table__).values(question_id=kb.messages[3], score=0.95)
                               .returning(QAPair.__table__.c.id)).scalar_one()
        conn.execute(sa.insert(QAAnswer.__table__).values(pair_id=pair_id, message_id=kb.messages[4], rank=0, score=0.8))
        conn.execute(sa.insert(QATerm.__table__), [{"pair_id": pair_id, "term_id": kb.terms["备付金"]},
                                                   {"pair_id": pair_id, "term_id": kb.terms["协议支付"]}])
    first = next(p for p in data_module.load(engine).qa.values() if p.id != pair_id).id
    def every_page(partial):
        return {source.id for source in partial.sources}, {term.id for term in partial.terms}, None
    for loaded in (data_module.load(engine, messages=False), data_module.load(engine),
                   data_module.load(engine, preloaded=data_module.preload(engine)),
                   data_module.load(engine, focus=every_page)):
        assert loaded.by_id[kb.terms["备付金"]].qa == [first, pair_id]
        assert loaded.by_id[kb.terms["协议支付"]].qa == [pair_id]
    engine.dispose()
