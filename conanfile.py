"""Conan 2 recipe for berth, a header-only C++20 library of typed sockets (Linux).

    conan create .                   # package it and run test_package/
    conan install --requires=berth/<version>  # then find_package(berth CONFIG REQUIRED)
                                     # and target_link_libraries(app PRIVATE berth::berth)

The version is read from include/berth/version.hpp, as CMakeLists.txt reads it.
"""
import os
import re

from conan import ConanFile
from conan.errors import ConanException, ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class BerthConan(ConanFile):
    name = "berth"
    description = "Typed, safe, zero-overhead sockets for C++20"
    topics = ("sockets", "networking", "posix", "header-only")
    package_type = "header-library"
    # Settings only to check the consumer's configuration in validate(); package_id()
    # clears them, so there is one package for every configuration.
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = "include/*"
    no_copy_source = True

    def set_version(self):
        header = load(self, os.path.join(self.recipe_folder, "include", "berth", "version.hpp"))
        parts = []
        for part in ("MAJOR", "MINOR", "PATCH"):
            match = re.search(r"^#define BERTH_VERSION_%s (\d+)$" % part, header, re.MULTILINE)
            if match is None:
                raise ConanException("include/berth/version.hpp has no BERTH_VERSION_" + part)
            parts.append(match.group(1))
        self.version = ".".join(parts)

    def layout(self):
        basic_layout(self, src_folder=".")

    def package_id(self):
        self.info.clear()

    def validate(self):
        os_name = self.settings.get_safe("os")
        if os_name is not None and str(os_name) != "Linux":
            raise ConanInvalidConfiguration("berth uses Linux socket interfaces (accept4, SO_PEERCRED, "
                                            "abstract unix names); it supports Linux only")
        if self.settings.get_safe("compiler.cppstd"):
            check_min_cppstd(self, 20)

    def package(self):
        copy(self, "*.hpp", src=os.path.join(self.source_folder, "include"),
             dst=os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "berth")
        self.cpp_info.set_property("cmake_target_name", "berth::berth")
        self.cpp_info.set_property("pkg_config_name", "berth")
