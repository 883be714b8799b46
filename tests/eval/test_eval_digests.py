"""Digest parsing: one hand-written snippet per format found in the 2017 digests."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.eval.digests import HEADING, LEAD, QA, parse_digest, read_digests

from eval_helpers import digest_text

# (snippet, expected [(label, question, answer, form)])
FORMATS = {
    "Q1/A1": (
        "Q1：活期自动买人品宝这个机制不知道怎么设计?\nA1：拆标，10000元的标的拆成100个100元债权；\n",
        [("Q1", "活期自动买人品宝这个机制不知道怎么设计?", "拆标，10000元的标的拆成100个100元债权；", QA)],
    ),
    "Q/A without numbers, half-width colon": (
        "Q: 资产的交易也是在你们系统中做的吗？\nA：对在我们系统,基本上都是亿为单位.\n\nQ：这种政策性业务是不是只服务不盈利？\nA: 今年开始收费。\n",
        [("Q", "资产的交易也是在你们系统中做的吗？", "对在我们系统,基本上都是亿为单位.", QA),
         ("Q", "这种政策性业务是不是只服务不盈利？", "今年开始收费。", QA)],
    ),
    "Q1.1 sub-question and 问题补充": (
        "Q1：100的债权会不会太少？\nA1：不小的。\nQ1.1问题补充：拆分的数量怎么确定的？\nA1：按额度。\n"
        "Q2：新版接口不同步返回订单状态怎么办？\n问题补充：是先给用户显示支付成功吗？\nA1：跳到一个中间页面。\n",
        [("Q1", "100的债权会不会太少？", "不小的。", QA),
         ("Q1.1 补充", "拆分的数量怎么确定的？", "按额度。", QA),
         ("Q2", "新版接口不同步返回订单状态怎么办？", "", QA),
         ("Q2 补充", "是先给用户显示支付成功吗？", "跳到一个中间页面。", QA)],
    ),
    "Q4-17 with a blockquoted answer": (
        "Q4-17：广告宣传关键词过滤，是否可行？\n\n> 再怎么过滤还有等。\n> ![20171221_174054](http://x/y.png)\n\n"
        "Q7-1、就是类似上海银行和京东那样的合作模式？\n> 是的\n",
        [("Q4-17", "广告宣传关键词过滤，是否可行？", "再怎么过滤还有等。", QA),
         ("Q7-1", "就是类似上海银行和京东那样的合作模式？", "是的", QA)],
    ),
    "bold question without answer": (
        "**Q6：请问下担保账户的金额跟用户存款的金额比率大概多少呢？（暂无回答）**  \n",
        [("Q6", "请问下担保账户的金额跟用户存款的金额比率大概多少呢？", "", QA)],
    ),
    "numbered section whose heading asks": (
        "## 4、微信、支付宝误退款给用户如何处理\n- 先联系用户追回\n- 追不回走坏账\n",
        [("§ 4、微信、支付宝误退款给用户如何处理", "微信、支付宝误退款给用户如何处理", "先联系用户追回\n追不回走坏账", HEADING)],
    ),
    "numbered section whose first paragraph asks": (
        "## 2、公司规模与自建支付系统\n\n得做到什么规模，才需要自建支付系统？\n- 【交易规模】\n  - 每年交易流水1000亿\n"
        "## 3 暂无回应的问题\n\n谁家接入过银联wap？\n\n暂无回应\n",
        [("§ 2、公司规模与自建支付系统", "得做到什么规模，才需要自建支付系统？", "每年交易流水1000亿", LEAD),
         ("§ 3 暂无回应的问题", "谁家接入过银联wap？", "", LEAD)],
    ),
    "topic heading over Q items is a title, not a question": (
        "## 四、银行跨行转账是否走银联通道。\nQ1：现在跨行转账有走银联通道的吗\nA1：有，银联的代付通道。\n",
        [("Q1", "现在跨行转账有走银联通道的吗", "有，银联的代付通道。", QA)],
    ),
    "plain-line answers and Q&A headings": (
        "## 二、Q&A\nQ：直接接微信，接口不同收费会不同的原因是什么？\n\nA1: 代理商体系吧\n\nA2：代理商地推的主要是扫码\n---\n",
        [("Q", "直接接微信，接口不同收费会不同的原因是什么？", "代理商体系吧\n代理商地推的主要是扫码", QA)],
    ),
    "raw transcript lines are not questions": (
        "## 三、自由讨论\n   14:39:14  现在行业做得最好的都有哪些公司？  \n09:24:09\t有没有人回答一下？\nP31：\t你看看又是什么？\n",
        [],
    ),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_formats(name):
    snippet, expected = FORMATS[name]
    digest = parse_digest(digest_text("2017-05-23", snippet), "2017-05-23-x.markdown")
    got = [(q.label, q.text, q.answer_text, q.form) for q in digest.questions]
    assert got == expected


def test_sections_are_recorded_as_topic_titles():
    digest = parse_digest(digest_text("2017-06-01", "## 一.关于P2P理财问题\nQ1：人品宝为什么不算P2P呢？\n"
                                                    "## 二.区块链\nQ1：区块链在哪里用起来了？\n"))
    assert [(q.section, q.line) for q in digest.questions] == [("一.关于P2P理财问题", 8), ("二.区块链", 10)]


@pytest.mark.parametrize(("line", "expected"), [
    ("> 关键词：拆标  区块链  收钱吧模式  协议代扣    ", ["拆标", "区块链", "收钱吧模式", "协议代扣"]),
    ("关键词: 网联、备付金，清算", ["网联", "备付金", "清算"]),
    ("- **支付渠道降级**：由于是与银行交互，会存在超时", ["支付渠道降级"]),
    ("- **重路由**：重新路由选择通道出款", ["重路由"]),
    ("- **凌晨上线未必是好的选择** ：虽然凌晨是业务流量低峰", []),
    ("- **做好止损红线**： 各方提前沟通明确方案", []),
    ("国内主要是做下游，以“存货质押”为关键词，核心企业只是中介", []),
])
def test_keywords(line, expected):
    assert parse_digest(digest_text("2017-05-23", line + "\n")).keywords == expected


def test_keyword_sources_and_duplicates():
    digest = parse_digest(digest_text("2017-05-23", "> 关键词：拆标 拆标\n- **拆标**：把标的拆开\n- **渠道**：通道\n"))
    assert digest.keywords == ["拆标", "渠道"]
    assert digest.keyword_sources == {"拆标": "关键词", "渠道": "bold"}


def test_dates_from_front_matter_title_and_images():
    body = ("> 本文档从“支付产品技术交流群”的2017年5月22日聊天记录整理出来。\n"
            "Q1：什么是代理清结算模式？\n> ![20171129_212516](http://static.cocolian.org/img/2017/20171129_212516.png)\n"
            "[文件](http://mp.weixin.qq.com/s?mid=2650680432&idx=1)\n")
    digest = parse_digest(digest_text("2017-12-21", body, title="20171220交流记录"), "2017-12-21-wechat74.markdown")
    assert digest.date == dt.date(2017, 12, 21)
    assert digest.date_hints == [dt.date(2017, 11, 29), dt.date(2017, 12, 20), dt.date(2017, 12, 21)]
    assert digest.questions[0].answer_text == "文件"  # images dropped, a link kept as its title


def test_date_from_file_name_without_front_matter():
    digest = parse_digest("Q1：有没有做聚合支付风控的？\n", "2017-06-06-wechat24.markdown")
    assert digest.date == dt.date(2017, 6, 6)
    assert digest.title is None
    assert [q.text for q in digest.questions] == ["有没有做聚合支付风控的？"]


def test_read_digests_reads_markdown_files_sorted(tmp_path):
    (tmp_path / "b.markdown").write_text(digest_text("2017-05-24", "Q1：为什么？\n"), encoding="utf-8")
    (tmp_path / "a.md").write_text(digest_text("2017-05-23", ""), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("Q1：不是摘要\n", encoding="utf-8")
    assert [d.file for d in read_digests(tmp_path)] == ["a.md", "b.markdown"]


def test_missing_digest_folder_is_a_kb_error(tmp_path):
    from kb.errors import KbError

    with pytest.raises(KbError, match="digest folder not found"):
        read_digests(tmp_path / "nope")
