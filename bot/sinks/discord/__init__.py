"""Discord as a sink: webhooks, bot channels, the message body and the rate limits."""
