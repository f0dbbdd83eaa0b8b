"""Messaging: every outbound message, within every cap.

The one send verb is ``siyu.messaging.send.send`` (its signature and an example are in
that module's docstring); ``siyu.messaging.send.preview`` answers without writing. What is
left of each budget: ``siyu.messaging.budget``. Adapters implement the Transport seam of
``siyu.messaging.transport``.
"""
