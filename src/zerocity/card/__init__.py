"""The city card: accounts, media, products and the money ledger behind them."""
