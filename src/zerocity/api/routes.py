from ninja import NinjaAPI

api = NinjaAPI(title="ZeroCity API", version="1")
