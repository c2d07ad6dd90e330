//! The state every part of the console shares, provided once by [`crate::App`] as a [`Console`]
//! context: the language (remembered in `localStorage`) and the signed-in user as a resource.

use leptos::prelude::*;
use qingting_shared::Lang;

use crate::api::{self, Failure, Me};
use crate::i18n::{Ui, ui};

/// Where the chosen language is remembered.
const LANG_KEY: &str = "qt-console-lang";

/// The console's shared state. Signals and resources are handles, so the struct is `Copy`.
#[derive(Clone, Copy)]
pub struct Console {
    /// The language of every word on screen.
    pub lang: RwSignal<Lang>,
    /// The signed-in user (`GET /v1/auth/me`): `Ok(None)` when signed out. Refetched after
    /// signing in and out.
    pub me: LocalResource<Result<Option<Me>, Failure>>,
}

impl Console {
    /// Creates the state and provides it as context.
    pub fn provide() -> Console {
        let console = Console { lang: RwSignal::new(initial_lang()), me: LocalResource::new(api::me) };
        provide_context(console);
        // The page's language follows the switch, for screen readers and fonts.
        Effect::new(move |_| {
            let lang = console.lang.get();
            if let Some(html) = document().document_element() {
                let _ = html.set_attribute("lang", lang.tag());
            }
        });
        console
    }

    /// The console's state, from any component inside [`crate::App`].
    pub fn get() -> Console {
        use_context().expect("inside App")
    }

    /// The words in the current language (tracked).
    pub fn ui(self) -> &'static Ui {
        ui(self.lang.get())
    }

    /// Switches the language and remembers it on this browser.
    pub fn set_lang(self, lang: Lang) {
        self.lang.set(lang);
        if let Some(storage) = storage() {
            let _ = storage.set_item(LANG_KEY, lang.tag());
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The remembered language; else Traditional Chinese for a browser that prefers it; else zh-CN
/// (the console is Chinese first: English only when chosen).
fn initial_lang() -> Lang {
    if let Some(lang) = storage().and_then(|s| s.get_item(LANG_KEY).ok().flatten()).and_then(|t| Lang::from_tag(&t)) {
        return lang;
    }
    match window().navigator().language().map(|l| Lang::negotiate(&l)) {
        Some(Lang::ZhTw) => Lang::ZhTw,
        _ => Lang::ZhCn,
    }
}

/// Sets the document's title to `page · brand` while the calling component is shown.
pub fn page_title(page: impl Fn(&'static Ui) -> &'static str + 'static) {
    let console = Console::get();
    Effect::new(move |_| {
        let ui = console.ui();
        document().set_title(&format!("{} · {}", page(ui), ui.brand));
    });
}
