#ifndef BERTH_DETAIL_CHRONO_HPP
#define BERTH_DETAIL_CHRONO_HPP

// berth needs std::chrono::duration and steady_clock only. In C++20, <chrono> also brings
// calendars, time zones and formatting, about 0.2 s of compile time per translation unit;
// libstdc++ keeps the durations and clocks alone in <bits/chrono.h>. Anything else gets
// the standard header.
#include <version>
#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif

#endif  // BERTH_DETAIL_CHRONO_HPP
