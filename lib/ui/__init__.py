"""The only Streamlit-aware code shared by pages: data access with caches, login, filters, cards, theme."""
