"""Hosts and their registrable domains (eTLD+1 by the Public Suffix List, private part included).

``None``: no ``Domain=`` attribute at all (an IP, a single label, a public
suffix itself), only host-only expiries. The first 25 rows are ordinary
sites, the rest the wider set of issue 14 (hosting platforms, government and
school suffixes, wildcard and exception rules, IDN hosts).
"""

from __future__ import annotations

HOSTS: list[tuple[str, str | None]] = [
    # ordinary sites
    ("www.example.org", "example.org"),
    ("example.org", "example.org"),
    ("a.b.c.example.com", "example.com"),
    ("shop.example.co.uk", "example.co.uk"),
    ("www.example.com.au", "example.com.au"),
    ("www.bbc.co.uk", "bbc.co.uk"),
    ("www.amazon.co.jp", "amazon.co.jp"),
    ("www.example.com.br", "example.com.br"),
    ("news.example.de", "example.de"),
    ("www.example.fr", "example.fr"),
    ("blog.example.io", "example.io"),
    ("www.example.co.nz", "example.co.nz"),
    ("www.example.org.uk", "example.org.uk"),
    ("www.example.ac.uk", "example.ac.uk"),
    ("www.example.com.cn", "example.com.cn"),
    ("www.example.co.in", "example.co.in"),
    ("www.example.com.mx", "example.com.mx"),
    ("www.example.co.za", "example.co.za"),
    ("m.example.ru", "example.ru"),
    ("www.example.net", "example.net"),
    ("app.example.dev", "example.dev"),
    ("www.example.com.tr", "example.com.tr"),
    ("www.example.edu", "example.edu"),
    ("www.example.gov.uk", "example.gov.uk"),
    ("EXAMPLE.ORG.", "example.org"),
    # hosting platforms: private suffixes, so the host is its own registrable domain
    ("foo.github.io", "foo.github.io"),
    ("www.foo.github.io", "foo.github.io"),
    ("github.io", None),
    ("myapp.pages.dev", "myapp.pages.dev"),
    ("preview.myapp.pages.dev", "myapp.pages.dev"),
    ("pages.dev", None),
    ("myapp.herokuapp.com", "myapp.herokuapp.com"),
    ("herokuapp.com", None),
    ("mysite.netlify.app", "mysite.netlify.app"),
    ("netlify.app", None),
    ("myapp.vercel.app", "myapp.vercel.app"),
    ("vercel.app", None),
    ("shop.myshopify.com", "shop.myshopify.com"),
    ("myshopify.com", None),
    ("bucket.s3.amazonaws.com", "bucket.s3.amazonaws.com"),
    ("a.bucket.s3.amazonaws.com", "bucket.s3.amazonaws.com"),
    ("s3.amazonaws.com", None),
    ("www.amazonaws.com", "amazonaws.com"),
    ("myapp.azurewebsites.net", "myapp.azurewebsites.net"),
    ("myapp.appspot.com", "myapp.appspot.com"),
    ("myapp.web.app", "myapp.web.app"),
    ("myapp.fly.dev", "myapp.fly.dev"),
    ("myapp.onrender.com", "myapp.onrender.com"),
    ("blog.blogspot.com", "blog.blogspot.com"),
    # government and schools
    ("www.impots.gouv.fr", "impots.gouv.fr"),
    ("gouv.fr", None),
    ("www.service-public.fr", "service-public.fr"),
    ("school.k12.ca.us", "school.k12.ca.us"),
    ("www.school.k12.ca.us", "school.k12.ca.us"),
    ("k12.ca.us", None),
    ("ca.us", None),
    ("www.school.sch.uk", "www.school.sch.uk"),  # *.sch.uk: "school.sch.uk" is public
    ("school.sch.uk", None),
    ("www.school.kent.sch.uk", "school.kent.sch.uk"),
    ("kent.sch.uk", None),
    # wildcard and exception rules
    ("www.foo.kawasaki.jp", "www.foo.kawasaki.jp"),  # *.kawasaki.jp
    ("foo.kawasaki.jp", None),
    ("www.city.kawasaki.jp", "city.kawasaki.jp"),  # !city.kawasaki.jp
    ("example.ck", None),  # *.ck
    ("www.example.ck", "www.example.ck"),
    ("www.ck", "www.ck"),  # !www.ck
    ("a.www.ck", "www.ck"),
    # IDN hosts: sent as A-labels
    ("www.bücher.de", "xn--bcher-kva.de"),
    ("www.xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("example.公司.cn", "example.xn--55qx5d.cn"),
    ("example.xn--55qx5d.cn", "example.xn--55qx5d.cn"),
    ("公司.cn", None),
    ("www.例え.jp", "xn--r8jz45g.jp"),
    ("straße.de", None),  # a deviation character: IDNA 2003 and UTS #46 differ
    # no host name a cookie can be scoped to
    ("localhost", None),
    ("localhost:8000", None),
    ("intranet", None),
    ("203.0.113.9", None),
    ("203.0.113.9:443", None),
    ("[2001:db8::1]:443", None),
    ("2001:db8::1", None),
    ("1.2.3", None),
    ("0x7f.1", None),
    ("", None),
    ("bad host.org", None),
    ("-bad.example.org", None),
    ("a..example.org", None),
    ("example.org:notaport", None),
    ("example.org:99999", None),
    ("example.org:", None),
    ("www.example.org:8443", "example.org"),
    ("x" * 64 + ".example.org", None),
]
