"""Self-evaluation against the human digests: parse them, align them to the logs, score the database.

Modules: ``digests`` (reading digests), ``align`` (finding their questions in the logs),
``score`` (scoring the database). The functions ``align.align`` and ``score.score`` are not
re-exported here, so that ``kb.eval.align`` and ``kb.eval.score`` stay the modules.
"""

from kb.eval.align import Alignment, AlignmentReport, LogMessage, align_folders, load_logs
from kb.eval.digests import Digest, DigestQuestion, parse_digest, parse_digest_file, read_digests
from kb.eval.score import EvalReport, evaluate

__all__ = ["Alignment", "AlignmentReport", "Digest", "DigestQuestion", "EvalReport", "LogMessage", "align_folders",
           "evaluate", "load_logs", "parse_digest", "parse_digest_file", "read_digests"]
