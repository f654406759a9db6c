"""The site's own address, for links in mails and documents.

``SITE_URL`` when it is set (production must set it: ``check --deploy`` warns).
Unset (development), links follow the address actually served: the scheme and
host a request came in on (Django has checked the host against ``ALLOWED_HOSTS``),
or outside a request (commands, queued mail) ``SERVED_URL``, which ``bin/run-demo``
sets to the address it serves.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


def site_url(request=None) -> str:
    """The base URL for absolute links, without a trailing slash."""
    if settings.SITE_URL:
        return settings.SITE_URL
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return settings.SERVED_URL


def site_domain(request=None) -> str:
    """The host name of ``site_url`` (no port), e.g. for Message-IDs."""
    netloc = site_url(request).split("://", 1)[-1].split("/", 1)[0]
    host = netloc.rsplit(":", 1)[0] if not netloc.endswith("]") else netloc
    return host.strip("[]") or "localhost"


@register(Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    if settings.SITE_URL or settings.DEBUG:
        return []
    return [
        Warning(
            "SITE_URL is not set: links in mails and documents would point at "
            f"{settings.SERVED_URL}.",
            hint="Set SITE_URL to the public address, e.g. https://kaart.example.nl.",
            id="sociale_kaart.W001",
        )
    ]
