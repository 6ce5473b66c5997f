// Remembers the admin's light/dark choice for the server's first paint (see ThemeCookie.cs).
window.mailflowTheme = {
    remember: function (value) {
        document.cookie = "mailflow-theme=" + encodeURIComponent(value) + "; path=/; max-age=31536000; samesite=lax";
    }
};
