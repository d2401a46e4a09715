"""How a page fails to parse: one error type for every parser, the page budget's included."""


class ParseError(Exception):
    """A page that no parser can read, or that the site marked as an error."""
