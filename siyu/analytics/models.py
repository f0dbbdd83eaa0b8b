"""Analytics owns no tables: it reads customers, orders, events and channel spend
(siyu.channels.models.ChannelSpend)."""
