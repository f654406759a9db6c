"""Who is asking: the client's address as the throttles count it."""

from django.conf import settings


def client_address(request) -> str:
    """The client's address for throttling. Behind CLIENT_IP_PROXY_COUNT trusted
    proxies it is that many entries from the right of X-Forwarded-For (entries
    further left are client-supplied and could be forged)."""
    count = settings.CLIENT_IP_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if count and len(hops) >= count:
        return hops[-count]
    return request.META.get("REMOTE_ADDR", "")
