"""Self-evaluation against the human digests: parse them, align them to the logs, score the database."""

from kb.eval.align import Alignment, AlignmentReport, LogMessage, align, align_folders, load_logs
from kb.eval.digests import Digest, DigestQuestion, parse_digest, parse_digest_file, read_digests

__all__ = ["Alignment", "AlignmentReport", "Digest", "DigestQuestion", "LogMessage", "align", "align_folders",
           "load_logs", "parse_digest", "parse_digest_file", "read_digests"]
