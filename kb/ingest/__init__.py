"""Ingest: reading chat log files into the messages table."""

from kb.ingest.cocolian import ParsedLog, ParsedMessage, parse_bytes, parse_file
from kb.ingest.loader import FileResult, IngestReport, discover, ingest

__all__ = ["FileResult", "IngestReport", "ParsedLog", "ParsedMessage", "discover", "ingest", "parse_bytes",
           "parse_file"]
