//! The state every part of the console shares, provided once by [`crate::App`] as a [`Console`]
//! context: the language (remembered in `localStorage`) and the signed-in user as a resource.

use leptos::prelude::*;
use qingting_shared::Lang;

use crate::api::{self, Failure, Me, Person, Team};
use crate::i18n::{TicketWords, Ui, ui};

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

/// Who is who, for the signed-in pages: the signed-in user, staff (`GET /v1/users`; agents may not
/// list them, then names are known only for themselves) and teams. Provided by the shell's frame.
#[derive(Clone, Copy)]
pub struct Directory {
    pub me: StoredValue<Me>,
    pub people: LocalResource<Result<Vec<Person>, Failure>>,
    pub teams: LocalResource<Result<Vec<Team>, Failure>>,
}

impl Directory {
    pub fn provide(me: Me) -> Directory {
        let directory = Directory { me: StoredValue::new(me), people: LocalResource::new(api::users), teams: LocalResource::new(api::teams) };
        provide_context(directory);
        directory
    }

    pub fn get() -> Directory {
        use_context().expect("inside the shell")
    }

    pub fn my_id(self) -> String {
        self.me.with_value(|m| m.user.id.clone())
    }

    /// A person's name (tracked: follows the people list as it loads); unknown ids shortened.
    pub fn name(self, id: &str) -> String {
        if let Some(name) = self.me.with_value(|m| (m.user.id == id).then(|| m.user.display_name.clone())) {
            return name;
        }
        if let Some(Ok(people)) = self.people.get()
            && let Some(p) = people.iter().find(|p| p.id == id)
        {
            return p.display_name.clone();
        }
        id.chars().take(8).collect()
    }

    /// Active staff to pick from (only the signed-in user when the list is not allowed).
    pub fn pickable(self) -> Vec<(String, String)> {
        match self.people.get() {
            Some(Ok(people)) => people.iter().filter(|p| p.status != "deactivated").map(|p| (p.id.clone(), p.display_name.clone())).collect(),
            _ => self.me.with_value(|m| vec![(m.user.id.clone(), m.user.display_name.clone())]),
        }
    }

    /// A team's name; unknown ids shortened.
    pub fn team_name(self, id: &str) -> String {
        if let Some(Ok(teams)) = self.teams.get()
            && let Some(t) = teams.iter().find(|t| t.id == id)
        {
            return t.name.clone();
        }
        id.chars().take(8).collect()
    }
}

/// A word of the current language as reactive text. Every call returns the same closure type, so
/// the view code for it is generated once, not once per label (the console's size budget).
pub fn uw(word: fn(&Ui) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let console = Console::get();
    move || word(console.ui())
}

/// Like [`uw`], for the inbox's and ticket page's words.
pub fn tw(word: fn(&TicketWords) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let console = Console::get();
    move || word(&console.ui().tk)
}

/// "Loading…", as every page says it while its resource loads.
pub fn loading_view() -> impl IntoView {
    view! { <p class="loading" role="status">{uw(|u| u.loading)}</p> }
}

/// An `ErrorBoundary` fallback: the failure in words, announced.
pub fn failure_alert(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let console = Console::get();
    view! { <div class="alert" role="alert">{failure_words(console, errors)}</div> }
}

/// The words for a resource that failed: the API's refusal in words (per `ErrorCode`), else the
/// generic server error. For an `ErrorBoundary`'s fallback.
pub fn failure_words(console: Console, errors: ArcRwSignal<Errors>) -> impl Fn() -> String + Send + Sync + 'static {
    move || {
        errors
            .with(|e| e.iter().find_map(|(_, e)| e.downcast_ref::<Failure>().map(|f| console.ui().failure(f))))
            .unwrap_or_else(|| console.ui().err_server.to_string())
    }
}

/// Like [`uw`], for the settings pages' words.
pub fn sw(word: fn(&crate::settings::words::SettingsWords) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let console = Console::get();
    move || word(&console.ui().st)
}

/// Like [`uw`], for the dashboard's words.
pub fn aw(word: fn(&crate::i18n::AnalyticsWords) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let console = Console::get();
    move || word(&console.ui().an)
}
