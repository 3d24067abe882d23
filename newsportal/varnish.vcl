vcl 4.1;

# Varnish 7.1 in front of newsportal's gunicorn servers (README, "Behind Varnish").
#
# The origin decides what is cacheable and for how long: public pages answer
# `Cache-Control: public, max-age=0, s-maxage=N, stale-while-revalidate=N`, everything
# per-reader answers `private`. This file only keeps per-reader traffic away from the
# cache, makes the cache key as narrow as the origin's own (pagecache/keys.py), and
# lets the origin purge by cache tag (the `xkey` response header, vmod xkey from
# varnish-modules) when an editor changes something.

import directors;
import std;
import xkey;

# Who may send PURGE: the app servers, which purge after every change
# (PAGE_CACHE_PURGE_URLS). Matched on client.ip, the TCP peer, never on a header a
# client can write. Behind a TLS terminator on this machine every reader would come
# from 127.0.0.1: then listen with PROXY protocol (-a :6086,PROXY) so that client.ip
# is the reader's again, or have the terminator refuse PURGE.
acl purgers {
    "127.0.0.1";
    "::1";
}

# BEGIN BACKENDS: one `backend` per app server, all in the `app` director.
# tests/varnish.py writes this block afresh for the servers it starts.
probe app_alive {
    # /healthz touches no database: a database outage is handled by the app itself,
    # which keeps serving its own cached copies (stale-if-error) and 503s the rest.
    # Host must be one of ALLOWED_HOSTS, or Django answers 400 and the probe fails.
    .request = "GET /healthz HTTP/1.1"
        "Host: news.example.com"
        "Connection: close";
    .interval = 2s;
    .timeout = 1s;
    .window = 5;
    .threshold = 3;
}

backend app_1 {
    .host = "127.0.0.1";
    .port = "8000";
    .probe = app_alive;
    .connect_timeout = 1s;
    # gunicorn answers a request in its read timeout or not at all (GUNICORN_READ_TIMEOUT).
    .first_byte_timeout = 15s;
    .between_bytes_timeout = 10s;
}

sub vcl_init {
    new app = directors.round_robin();
    app.add_backend(app_1);
}
# END BACKENDS

sub vcl_recv {
    if (req.method == "PURGE") {
        call purge_by_tags;
    }
    # The built-in VCL would pipe methods it does not know straight to the backend;
    # nothing on this site needs them.
    if (req.method !~ "^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$") {
        return (synth(405, "Method Not Allowed"));
    }
    call vcl_req_host;
    set req.backend_hint = app.backend();

    # The scheme is part of every page (canonical links, feeds, sitemaps), so it is part
    # of the key (vcl_hash). Only X-Forwarded-Proto says it (SECURE_PROXY_SSL_HEADER);
    # the other spellings gunicorn or Django might read are dropped, and any value but
    # "https" means http, so a reader can add one more variant of a page at most.
    unset req.http.X-Forwarded-Ssl;
    unset req.http.X-Forwarded-Protocol;
    unset req.http.X-Forwarded-Host;
    if (req.http.X-Forwarded-Proto != "https") {
        unset req.http.X-Forwarded-Proto;
    }

    # Set here, never taken from the reader: the origin then puts the per-request chrome
    # (Terkini, Terpopuler, breaking news, navigation) into cached pages as ESI includes
    # and marks them with Surrogate-Control (vcl_backend_response).
    set req.http.Surrogate-Capability = "varnish=ESI/1.0";

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff tools, previews (also under a language prefix), per-reader endpoints, the
    # language switch and the health checks: never from the cache, cookies kept.
    if (req.url ~ "^/(admin|api|i18n)/"
        || req.url ~ "^/([a-z]{2}(-[a-z]+)?/)?pratinjau/"
        || req.url ~ "^/(healthz|readyz)(\?|$)") {
        return (pass);
    }
    # A signed-in editor sees previews and staff links: their pages are their own. The
    # origin ignores a session cookie that names no session, but telling the two apart
    # needs the session engine, so any `sessionid` passes (the origin's own page cache
    # still answers those cheaply).
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # Public pages read no cookie (the csrftoken of a past admin visit, analytics):
    # without this, every reader with any cookie would miss.
    unset req.http.Cookie;

    # The origin drops tracking parameters and 301s any other one it does not read;
    # dropping them here too keeps one copy per page instead of one per newsletter.
    # Keep this list in step with pagecache/keys.py TRACKING_PARAMETERS.
    if (req.url ~ "[?&](utm_[^=&]*|_ga|_gl|dclid|fbclid|gbraid|gclid|gclsrc|igshid|mc_cid|mc_eid|msclkid|ref_src|ttclid|twclid|wbraid|yclid)(=|&|$)") {
        set req.url = regsuball(req.url, "(?<=[?&])(utm_[^=&]*|_ga|_gl|dclid|fbclid|gbraid|gclid|gclsrc|igshid|mc_cid|mc_eid|msclkid|ref_src|ttclid|twclid|wbraid|yclid)(=[^&]*)?(&|$)", "");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    # ?b=1&a=2 and ?a=2&b=1 are one page to the origin (canonical_query): one copy here.
    set req.url = std.querysort(req.url);
    return (hash);
}

sub purge_by_tags {
    if (client.ip !~ purgers) {
        return (synth(403, "Forbidden"));
    }
    # pagecache.cdn.purge(): hard for unpublished, withdrawn and corrected articles
    # (gone at once), soft otherwise (the old copy may serve one more reader, within
    # its grace, while the new one is fetched: no stampede on the home page).
    if (req.http.xkey-purge) {
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
    } elif (req.http.xkey-softpurge) {
        set req.http.X-Purged = xkey.softpurge(req.http.xkey-softpurge);
    } else {
        return (synth(400, "PURGE needs an xkey-purge or xkey-softpurge header"));
    }
    return (synth(200, "Purged"));
}

sub vcl_hash {
    hash_data(req.http.X-Forwarded-Proto);
    # Falls through to the built-in hash: the URL and the Host.
}

sub vcl_backend_response {
    # The origin sent ESI includes only because we announced the capability; the header
    # is for us, not for browsers or another cache.
    if (beresp.http.Surrogate-Control ~ "ESI/1\.0") {
        unset beresp.http.Surrogate-Control;
        set beresp.do_esi = true;
    }
    # While the origin is failing, a background refresh keeps the stale copy instead of
    # replacing it with the error.
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);
    }
    # The time to live comes from the origin's s-maxage and the grace from its
    # stale-while-revalidate (Varnish's defaults): within the grace one background
    # fetch refreshes a popular page while readers keep getting the previous copy.
    # Left to the built-in VCL: answers with Set-Cookie, `private`, `no-store` or no
    # lifetime are never stored (hit-for-miss).
}

sub vcl_deliver {
    # Cache tags are for purging, not for readers: they list what a page is built from.
    # A purger (the acl) may ask for them with `X-Show-Cache-Tags: 1`, to debug purges,
    # with the copy's age to the millisecond (Age is whole seconds).
    if (req.http.X-Show-Cache-Tags && client.ip ~ purgers) {
        set resp.http.X-Cache-Age = obj.age;
    } else {
        unset resp.http.xkey;
        unset resp.http.Surrogate-Key;
        unset resp.http.Cache-Tag;
    }
}

sub vcl_synth {
    if (req.http.X-Purged) {
        set resp.http.X-Purged = req.http.X-Purged;
    }
    if (resp.status == 405) {
        set resp.http.Allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
    }
}
