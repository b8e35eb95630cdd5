"""Attachments: pictures and scanned pages sent with a message (``-a``, ``/attach``, ``/paste``).

``files`` reads and recognises them (stdlib), ``pictures`` scales them (Pillow, imported only
when there is a picture), ``clipboard`` takes one from the clipboard, ``route`` decides for each
whether the model sees it or Yandex OCR reads it (docs/attachments.md).
"""
