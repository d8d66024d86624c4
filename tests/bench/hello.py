"""The smallest WSGI app: the bench's floor for what gunicorn itself costs."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
    return [b"hello\n"]
