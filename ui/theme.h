// Light and dark palettes: the app follows the desktop's palette (a dark system palette gives the dark
// theme) unless the user picks one in View > Theme or sets LITESCOPE_THEME=light|dark.
#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

namespace litescope::ui {

enum class ThemeChoice { System, Light, Dark };

// Applies the choice to the application (Fusion style, so both palettes look the same on every desktop).
void applyTheme(ThemeChoice choice);
ThemeChoice themeFromString(const QString& name);  // "light", "dark", anything else: System
QString themeToString(ThemeChoice choice);
bool isDarkTheme();  // what is applied now

// Colours the graph and charts use, chosen for the current theme.
QColor graphBackground();
QColor graphText();
QColor graphEdge();
QColor graphHighlight();

}  // namespace litescope::ui
