#include "ui/theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace litescope::ui {
namespace {

bool gDark = false;
QPalette gSystemPalette;
bool gSystemPaletteSaved = false;

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xdf, 0xe1, 0xe5);
    const QColor disabled(0x7a, 0x7e, 0x85), highlight(0x35, 0x74, 0xf0);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x58, 0x9d, 0xf6));
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x3c, 0x3f, 0x41));
    p.setColor(QPalette::Midlight, QColor(0x35, 0x37, 0x3a));
    p.setColor(QPalette::Mid, QColor(0x24, 0x26, 0x28));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Shadow, Qt::black);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
        p.setColor(QPalette::Disabled, role, disabled);
    }
    return p;
}

QPalette lightPalette() {
    QPalette p = QStyleFactory::create("Fusion")->standardPalette();
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xdf));
    return p;
}

}  // namespace

void applyTheme(ThemeChoice choice) {
    if (!gSystemPaletteSaved) {
        gSystemPalette = QApplication::palette();
        gSystemPaletteSaved = true;
    }
    bool dark = false;
    switch (choice) {
        case ThemeChoice::Dark:
            dark = true;
            break;
        case ThemeChoice::Light:
            dark = false;
            break;
        case ThemeChoice::System: {
            const QByteArray env = qgetenv("LITESCOPE_THEME").toLower();
            if (env == "dark" || env == "light") {
                dark = env == "dark";
            } else {
                // Qt 6.4 has no colour-scheme hint: a desktop in dark mode hands us a dark window colour.
                dark = gSystemPalette.color(QPalette::Window).lightness() < 128;
            }
            break;
        }
    }
    gDark = dark;
    QApplication::setStyle(QStyleFactory::create("Fusion"));
    QApplication::setPalette(dark ? darkPalette() : lightPalette());
}

ThemeChoice themeFromString(const QString& name) {
    if (name.compare("light", Qt::CaseInsensitive) == 0) return ThemeChoice::Light;
    if (name.compare("dark", Qt::CaseInsensitive) == 0) return ThemeChoice::Dark;
    return ThemeChoice::System;
}

QString themeToString(ThemeChoice choice) {
    switch (choice) {
        case ThemeChoice::Light:
            return "light";
        case ThemeChoice::Dark:
            return "dark";
        case ThemeChoice::System:
            break;
    }
    return "system";
}

bool isDarkTheme() {
    return gDark;
}

QColor graphBackground() {
    return gDark ? QColor(0x1e, 0x1f, 0x22) : QColor(0xfb, 0xfb, 0xfc);
}
QColor graphText() {
    return gDark ? QColor(0xe6, 0xe8, 0xec) : QColor(0x1d, 0x21, 0x27);
}
QColor graphEdge() {
    return gDark ? QColor(0x8a, 0x90, 0x99) : QColor(0x70, 0x76, 0x80);
}
QColor graphHighlight() {
    return gDark ? QColor(0xff, 0xb3, 0x3b) : QColor(0xe8, 0x71, 0x0a);
}

}  // namespace litescope::ui
