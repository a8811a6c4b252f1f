vcl 4.1;
# Varnish in front of Masthead nodes, purged by surrogate key as things change.
#
# Start every node with `--purge-url http://<this varnish>/`: each change is sent as a PURGE
# naming what it touched in an `xkey-purge` header ("article-12 listing"; "all" for
# everything), the names each cacheable page carries in its `Surrogate-Key` header. Pages are
# then kept here until a change purges them (a day at most), while browsers keep them a
# minute. Needs the xkey module (Debian: varnish-modules).

import directors;
import xkey;

# The nodes, one `backend` each; requests go to them in turn.
backend node1 { .host = "127.0.0.1"; .port = "8080"; }
# backend node2 { .host = "10.0.0.12"; .port = "8080"; }

sub vcl_init {
    new nodes = directors.round_robin();
    nodes.add_backend(node1);
    # nodes.add_backend(node2);
}

# Who may purge: the nodes' addresses.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge ~ "(^| )all( |$)") {
            ban("obj.status != 0");
            return (synth(200, "Banned everything"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }
    set req.backend_hint = nodes.backend();
    # The newsroom, the Admin API and members' pages are never kept (the built-in rules also
    # pass any request with a cookie or credentials).
    if (req.url ~ "^/(admin|api|account|members|metrics|healthz|readyz)") {
        return (pass);
    }
}

sub vcl_backend_response {
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
        set beresp.ttl = 1d;
        set beresp.grace = 1m;
    }
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Varnish-Cache = "HIT";
    } else {
        set resp.http.X-Varnish-Cache = "MISS";
    }
}
