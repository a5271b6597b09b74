"""The outside programs, each run bounded in time and memory: Pandoc and its Lua filters,
fontconfig, and the one runner every program goes through."""
