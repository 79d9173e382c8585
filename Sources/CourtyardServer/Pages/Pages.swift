import Hummingbird
enum Pages { static func add(to router: Router<AppContext>, services: Services) {} }
