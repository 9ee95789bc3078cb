"""The behavioural rules: one named function per rule, over whole arrays of customers.

Each rule reads and writes a :class:`~sim.population.Population` and returns what it
counted. Rules that must visit every customer run as a compiled loop
(:mod:`sim.compiled`) that lives beside the rule it implements; the rest are a few
whole-array numpy operations. Randomness comes in through an explicit
``numpy.random.Generator``, so each rule draws from its own stream.

The day runs them in the order :mod:`sim.day` declares:

- :mod:`~sim.rules.service` — what the day's answers, waits and follow-ups did;
- :mod:`~sim.rules.joining` — acquisition from public channels, arrivals, referral, the
  day-0 pool, and the fixed traits of new people;
- :mod:`~sim.rules.groups` — seating members in group chats, members' chatter, vitality;
- :mod:`~sim.rules.messaging` — what each member sees (Moments folding, muting, one-to-one);
- :mod:`~sim.rules.trust` — fatigue accrues and decays, trust moves;
- :mod:`~sim.rules.churn` — mute, delete, leave;
- :mod:`~sim.rules.buying` — need, purchases, satisfaction, follow-ups, bad-product walk-outs;
- :mod:`~sim.rules.enforcement` — bans after message bombing and complaints;
- :mod:`~sim.rules.campaigns` — the day's levers (campaigns on top of the strategy);
- :mod:`~sim.rules.bass` — Bass mode's adoption, the only rule of a Bass-mode day.
"""
