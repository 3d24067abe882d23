"""Parsers that turn other systems' articles into what the import services write.

Each module parses one format and writes nothing; articles.services.imports
does the writing, in one transaction, through the editorial services.
"""

from .plaintext import ImportFileError, ParsedArticle, decode_article_file, parse_article

__all__ = ["ImportFileError", "ParsedArticle", "decode_article_file", "parse_article"]
