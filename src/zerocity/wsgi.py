import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zerocity.settings")
# under any WSGI server, what the site writes is its owner's alone (zerocity.server.UMASK)
os.umask(0o077)
application = get_wsgi_application()
