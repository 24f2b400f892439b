"""What the service takes for an email address, in one place: contact data, the addresses of email and
Slack notification channels, and the spec's `email` format (handlers.validation) all ask `normalise`.

An address is `local@domain` as `email-validator` reads its syntax (RFC 5322 local part, a domain name of
letters, digits and hyphens, internationalised ones included), with these choices:
- a domain of one label is an address: the seed's own samples send `user@example` (RFC 5321 lets a
  private network's mail domain be a single name), and the names reserved for tests (`example.com`,
  `.test`) are addresses too;
- names that can never receive mail are not: `localhost`, `.local`, `.invalid`, `.onion`, ...;
- the last label is not all digits (`user@123`, `user@10.0.0.1`): that is an IP address or a typo, not
  a domain name, and an IP address needs brackets, which are refused as well;
- deliverability is not checked (no DNS query): a request never waits on a name server.
"""

from email_validator import EmailNotValidError, validate_email

__all__ = ["EmailNotValidError", "normalise"]

_OPTIONS = {"check_deliverability": False, "globally_deliverable": False, "test_environment": True}


def normalise(value: str) -> str:
    """The address as it is stored (domain lower-cased, Unicode normalised); EmailNotValidError if it is not one."""
    found = validate_email(value, **_OPTIONS)
    if found.ascii_domain.rpartition(".")[2].isdigit():
        raise EmailNotValidError("The part after the @-sign is a number, not a domain name.")
    return found.normalized
