"""Old addresses of imported sites (WordPress) answered with a 301 to what they became here.

- paths.py: an address's key (normalize_path) and the variants WordPress serves
  under it (/amp/, /feed/, /page/N/, resized uploads), looked up at once;
- services.py: recording addresses (the importer) and resolving one (redirect_target);
- middleware.py: answering old addresses, after the views found nothing.
"""
