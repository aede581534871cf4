"""What drives the real app from outside, shared by the tests and the benchmarks: a running server
(browser), browser helpers, the classroom and its protocol students, load and soak visitors, the
memory probe, the screenshot tool and the uploads a person would make (uploads).

It lives beside tests/ and bench/, not inside either, so that a benchmark never imports a test module
and a test never imports a benchmark: both import this.
"""
