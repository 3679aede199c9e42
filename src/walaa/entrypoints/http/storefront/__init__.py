"""The storefront's side of the API: what a shopper's browser may ask, with a publishable key.

`cors` answers browsers' preflights and marks answers to the store's own origins; `tokens`
verifies the short-lived shopper tokens a store's backend signs; `deps` holds the dependency
every storefront route takes (a publishable key, an allowed origin, maybe a shopper);
`routes` are the public and shopper routes; `settings_routes` the store's settings for them
(secret keys only) and the till's lookup by member card.
"""
