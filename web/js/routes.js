// Every page of the UI: a path pattern and the module that renders it (loaded on first use).
// The admin area owns /admin and below: its entry module is admin/index.js, which renders
// the sub-page for the path (its own routing below /admin is up to it).

import { route } from "./router.js";

route("/", () => import("./views/home.js"));
route("/catalog", () => import("./views/catalog.js"));
route("/products/:id", () => import("./views/product.js"));
route("/products/:id/reviews/:review", () => import("./views/product.js"));
route("/cart", () => import("./views/cart.js"));
route("/checkout", () => import("./views/checkout.js"));
route("/orders", () => import("./views/orders.js"));
route("/orders/:id", () => import("./views/order.js"));
route("/login", () => import("./views/auth.js"));
route("/register", () => import("./views/auth.js"));
route("/profile", () => import("./views/profile.js"));
route("/notifications", () => import("./views/notifications.js"));
route("/notifications/preferences", () => import("./views/preferences.js"));
route("/admin*", () => import("./admin/index.js"));
route("/404", () => import("./views/not-found.js"));
